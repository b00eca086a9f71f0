/**
 * A streaming decoder of `Content-Encoding: aws-chunked` bodies (S3's
 * `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, sent by the AWS SDKs with a checksum trailer):
 * `<hex size>[;extensions]\r\n<bytes>\r\n ... 0\r\n[<trailer>: <value>\r\n ...]\r\n`. It passes
 * the data through chunk by chunk (nothing is buffered beyond one header line) and keeps the
 * trailer fields for the caller to check once the body ended.
 */
import { Transform, type TransformCallback } from "node:stream";
import { S3Error } from "./s3-errors.js";

/** Longest chunk-size or trailer line accepted (a chunk signature extension is ~80 bytes). */
const MAX_LINE_BYTES = 4096;
/** Most trailer fields accepted. */
const MAX_TRAILERS = 16;

type State = "size" | "data" | "dataEnd" | "trailer" | "done";

export class AwsChunkedDecoder extends Transform {
  /** Trailer fields by lower-case name, complete once the stream ended. */
  readonly trailers = new Map<string, string>();
  private state: State = "size";
  private line = "";
  private remaining = 0;
  /** Bytes of `\r\n` still expected after a chunk's data. */
  private crlfLeft = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.state === "done" ? null : new S3Error("IncompleteBody", "the aws-chunked body ended before its final chunk: resend the whole object"));
  }

  private consume(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case "data": {
          const n = Math.min(this.remaining, chunk.length - i);
          this.push(chunk.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = "dataEnd";
            this.crlfLeft = 2;
          }
          break;
        }
        case "dataEnd": {
          const expected = this.crlfLeft === 2 ? 0x0d : 0x0a;
          if (chunk[i] !== expected) throw new S3Error("IncompleteBody", "aws-chunked body: a chunk's data is not followed by CRLF (its size does not match)");
          i++;
          if (--this.crlfLeft === 0) this.state = "size";
          break;
        }
        case "size":
        case "trailer": {
          const nl = chunk.indexOf(0x0a, i);
          const end = nl === -1 ? chunk.length : nl;
          this.line += chunk.toString("latin1", i, end);
          if (this.line.length > MAX_LINE_BYTES) throw new S3Error("InvalidRequest", `aws-chunked body: a line is longer than ${MAX_LINE_BYTES} bytes`);
          i = end;
          if (nl === -1) break;
          i++;
          const line = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line;
          this.line = "";
          this.endLine(line);
          break;
        }
        case "done":
          throw new S3Error("InvalidRequest", "aws-chunked body: bytes after the final CRLF");
      }
    }
  }

  private endLine(line: string): void {
    if (this.state === "size") {
      const size = line.split(";", 1)[0]!.trim();
      if (!/^[0-9a-fA-F]{1,15}$/.test(size)) throw new S3Error("InvalidRequest", `aws-chunked body: ${JSON.stringify(line.slice(0, 40))} is no chunk size`);
      this.remaining = parseInt(size, 16);
      this.state = this.remaining === 0 ? "trailer" : "data";
      return;
    }
    // trailer section: fields until an empty line
    if (line === "") {
      this.state = "done";
      return;
    }
    const colon = line.indexOf(":");
    if (colon <= 0 || this.trailers.size >= MAX_TRAILERS) throw new S3Error("InvalidRequest", `aws-chunked body: ${JSON.stringify(line.slice(0, 60))} is no trailer field`);
    this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
}
