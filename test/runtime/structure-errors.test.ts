/**
 * What a task's message says when a structure cannot be expanded or shrunk (review r2 of issue 14):
 * the cause's own hint (a MediaError says which S3 endpoint to check) reaches the caller, and a
 * failed shrink reads as one sentence, not "expected a value that can be sent, got could not ...".
 */
import { describe, expect, it } from "vitest";
import { expandValue, toWireAll, type Codec } from "../../src/runtime/structures/support.js";
import { ArkitektError } from "../../src/shared/errors.js";

class Unreachable extends ArkitektError {
  override readonly name = "Unreachable";
  readonly code = "TEST_UNREACHABLE";
  override readonly hint = "check that the S3 endpoint http://127.0.0.1:1 is reachable (set ARKITEKT_S3_URL)";
}

class Blob {
  static identifier = "@test/blob";
  static expand(): Promise<Blob> {
    return Promise.reject(new Unreachable("could not read s3://media/k: connect ECONNREFUSED"));
  }
  shrink(): Promise<string> {
    return Promise.reject(new Unreachable("could not upload blob.bin: connect ECONNREFUSED"));
  }
}

const codec: Codec = { kind: "STRUCTURE", identifier: Blob.identifier, cls: Blob };

describe("review r2: structure errors in a task's message", () => {
  it("review r2: a failed expand names the port and carries the cause's hint", async () => {
    const error = await expandValue(codec, { __identifier: Blob.identifier, object: "ms_1" }, "scan").then(() => null, (e: unknown) => e as Error);
    expect(error?.message).toBe(
      'port "scan": could not expand @test/blob "ms_1": could not read s3://media/k: connect ECONNREFUSED (check that the S3 endpoint http://127.0.0.1:1 is reachable (set ARKITEKT_S3_URL))',
    );
  });

  it("review r2: a failed shrink is one problem of its port, worded as what was expected and the error, with the hint", async () => {
    const { problems } = await toWireAll([[codec, new Blob(), "return0"]]);
    expect(problems).toHaveLength(1);
    expect(`expected ${problems[0]!.expected}, got ${problems[0]!.got}`).toBe(
      "expected a @test/blob its shrink() can store, got an error: could not upload blob.bin: connect ECONNREFUSED (check that the S3 endpoint http://127.0.0.1:1 is reachable (set ARKITEKT_S3_URL))",
    );
    expect(problems[0]!.path).toBe("return0");
  });
});
