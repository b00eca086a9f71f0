/** A finished media store object of the test organisation (what a 3D model points at). */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { TestServer } from "../helpers/server.js";
import { finishUpload, requestUpload, s3For } from "../media/helpers.js";

export async function uploadedMedia(server: TestServer, token: string, name = "model.glb"): Promise<string> {
  const grant = await requestUpload(server, token, { originalFileName: name });
  const s3 = s3For(server, grant);
  try {
    await s3.send(new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: Buffer.from("glTF") }));
  } finally {
    s3.destroy();
  }
  await finishUpload(server, token, grant.store);
  return grant.store;
}
