/**
 * S3's error answers: `<Error><Code>...</Code><Message>...</Message>...</Error>` with the status S3
 * uses for that code, so every S3 client (the AWS SDKs, boto3) reports them by name.
 */
import { XMLBuilder } from "fast-xml-parser";

/** The S3 error codes this server answers with, and their HTTP status. */
export const S3_ERROR_STATUS = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  EntityTooLarge: 400,
  ExpiredToken: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidToken: 400,
  MalformedXML: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  RequestTimeTooSkewed: 403,
  SignatureDoesNotMatch: 403,
  XAmzContentSHA256Mismatch: 400,
} as const;

export type S3ErrorCode = keyof typeof S3_ERROR_STATUS;

/** A refused S3 request; `message` says what was wrong and what to do. */
export class S3Error extends Error {
  override readonly name = "S3Error";
  constructor(
    readonly code: S3ErrorCode,
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return S3_ERROR_STATUS[this.code];
  }
}

export const xmlBuilder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false, processEntities: true });

/** The XML body of an S3 error answer. */
export function errorXml(error: S3Error, resource: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xmlBuilder.build({ Error: { Code: error.code, Message: error.message, Resource: resource, RequestId: requestId } })}`;
}

/** An S3 result document (`<Name xmlns="...">...</Name>`). */
export function resultXml(name: string, fields: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xmlBuilder.build({ [name]: { "@_xmlns": "http://s3.amazonaws.com/doc/2006-03-01/", ...fields } })}`;
}
