/**
 * The app manifest the fakts clients send to `/f/start/` and `/f/redeem/` (fakts-next `Manifest`,
 * `model_dump()`: every field, nulls included), checked with the bounds the reference server's
 * model and the client's validators set. Unknown fields of the manifest and its requirements are
 * dropped (only the known ones are stored), so a request cannot make the server keep what it never reads.
 */
import { z } from "zod";

const requirement = z.object({
  key: z.string().min(1).max(100),
  service: z.string().min(1).max(200),
  optional: z.boolean().nullish(),
  description: z.string().max(2000).nullish(),
});

export const manifestSchema = z.object({
  identifier: z
    .string()
    .min(1)
    .max(255)
    .refine((v) => !v.includes("/"), "the app identifier must not contain a '/'"),
  version: z.string().min(1).max(100),
  scopes: z.array(z.string().min(1).max(100)).max(50).nullish(),
  logo: z.string().max(2000).nullish(),
  requirements: z.array(requirement).max(50).nullish(),
  node_id: z.string().max(200).nullish(),
  description: z.string().max(5000).nullish(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type Requirement = z.infer<typeof requirement>;

export const startSchema = z.looseObject({
  manifest: manifestSchema,
  expiration_time_seconds: z.number().int().positive().nullish(),
  redirect_uris: z.array(z.string()).max(20).nullish(),
  requested_client_kind: z.string().max(50).nullish(),
});

export const redeemSchema = z.looseObject({ manifest: manifestSchema, token: z.string().min(1).max(1000) });
export const challengeSchema = z.looseObject({ code: z.string().min(1).max(200) });
export const claimSchema = z.looseObject({ token: z.string().min(1).max(1000), secure: z.boolean().nullish() });
export const reportSchema = z.looseObject({
  token: z.string().min(1).max(1000),
  alias_reports: z.record(z.string(), z.unknown()).nullish(),
  functional: z.boolean().nullish(),
});

/** `path: message` of the first problems of a failed parse, for the `error`/`message` of an answer. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}
