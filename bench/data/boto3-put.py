#!/usr/bin/env python3
"""
boto3 against the embedded server's media store, as rekuest-next 2.1.2's `astore_media_file` does it:
requestMediaUpload (the released client's exact mutation, only originalFileName), then a boto3 session
with the grant's temporary credentials and region us-west-2, endpoint_url = the server's base URL,
and a plain put_object; then requestMediaAccess and get_object to read the bytes back.

Not part of the test suite (boto3 need not be installed on CI). Run it against a running server:

    node bin/arkitekt-next.js server --data /tmp/ak-boto3 &
    python3 bench/data/boto3-put.py --data /tmp/ak-boto3            # url and token from dev-token.json
    python3 bench/data/boto3-put.py --url http://127.0.0.1:PORT --token TOKEN --size 20000000

Prints what was sent and whether the object came back byte for byte; exits 1 on a mismatch.
"""
import argparse
import hashlib
import io
import json
import os
import sys
import urllib.request

import boto3
import botocore
from botocore.config import Config

REQUEST_UPLOAD = (
    "mutation RequestMediaUpload($input: RequestMediaUploadInput!) { requestMediaUpload(input: $input) "
    "{ accessKey secretKey sessionToken path key bucket expiresIn maxBytes store } }"
)
REQUEST_ACCESS = (
    "mutation RequestMediaAccess($input: RequestMediaAccessInput!) { requestMediaAccess(input: $input) "
    "{ accessKey secretKey sessionToken path key bucket expiresIn region store } }"
)


def gql(url, token, query, variables):
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(f"{url}/graphql", data=body, headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req) as response:
        result = json.loads(response.read())
    if result.get("errors"):
        raise SystemExit(f"GraphQL errors: {result['errors']}")
    return result["data"]


def client_for(grant, endpoint, region="us-west-2"):
    session = boto3.Session(
        aws_access_key_id=grant["accessKey"],
        aws_secret_access_key=grant["secretKey"],
        aws_session_token=grant["sessionToken"],
        region_name=region,
    )
    return session.client("s3", endpoint_url=endpoint, config=Config(signature_version="s3v4"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url")
    parser.add_argument("--token")
    parser.add_argument("--data", help="the server's data folder (reads dev-token.json)")
    parser.add_argument("--size", type=int, default=1_000_000, help="bytes to upload (default 1 MB)")
    parser.add_argument("--multipart", action="store_true", help="also upload through boto3's managed transfer (upload_fileobj) in 5 MB parts")
    args = parser.parse_args()
    url, token = args.url, args.token
    if args.data:
        with open(os.path.join(args.data, "dev-token.json")) as f:
            dev = json.load(f)
        url, token = url or dev["url"], token or dev["token"]
    if not url or not token:
        raise SystemExit("pass --url and --token, or --data <the server's data folder>")

    grant = gql(url, token, REQUEST_UPLOAD, {"input": {"originalFileName": "boto3.bin"}})["requestMediaUpload"]
    payload = bytes((i * 31 + 7) & 0xFF for i in range(args.size))
    sent = {}

    def record(request, **_):
        sent.update({k.lower(): v for k, v in request.headers.items() if k.lower().startswith(("x-amz", "content-", "expect"))})

    s3 = client_for(grant, url)
    s3.meta.events.register("before-send.s3.PutObject", record)
    s3.put_object(Bucket=grant["bucket"], Key=grant["key"], Body=io.BytesIO(payload))
    print(f"boto3 {boto3.__version__} / botocore {botocore.__version__}: PutObject of {len(payload)} bytes accepted")
    for name in sorted(sent):
        value = sent[name]
        print(f"  sent {name}: {value.decode() if isinstance(value, bytes) else value}")

    access = gql(url, token, REQUEST_ACCESS, {"input": {"storeId": grant["store"]}})["requestMediaAccess"]
    got = client_for(access, url).get_object(Bucket=access["bucket"], Key=access["key"])["Body"].read()
    same = hashlib.sha256(got).digest() == hashlib.sha256(payload).digest()
    print(f"GetObject returned {len(got)} bytes: {'identical' if same else 'DIFFERENT'}")
    if args.multipart:
        from boto3.s3.transfer import TransferConfig

        grant = gql(url, token, REQUEST_UPLOAD, {"input": {"originalFileName": "boto3-multipart.bin"}})["requestMediaUpload"]
        config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
        client_for(grant, url).upload_fileobj(io.BytesIO(payload), grant["bucket"], grant["key"], Config=config)
        access = gql(url, token, REQUEST_ACCESS, {"input": {"storeId": grant["store"]}})["requestMediaAccess"]
        got = client_for(access, url).get_object(Bucket=access["bucket"], Key=access["key"])["Body"].read()
        multipart_same = hashlib.sha256(got).digest() == hashlib.sha256(payload).digest()
        print(f"upload_fileobj (5 MB parts) then GetObject: {len(got)} bytes, {'identical' if multipart_same else 'DIFFERENT'}")
        same = same and multipart_same
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
