/**
 * The static-token fixture of acceptance.md: T1 and T2 are two identities of organisation "lab",
 * each with its own app (so their actions never merge); T3 lives in organisation "elsewhere".
 * T4 is a third identity of "lab", used where a scenario needs a bystander of the same organisation.
 */
export const T1 = "t1-token";
export const T2 = "t2-token";
export const T3 = "t3-token";
export const T4 = "t4-token";

export interface FixtureClaims {
  sub: string;
  client_id: string;
  preferred_username: string;
  active_org: string;
  client_app: string;
  client_release: string;
  roles: string[];
  scope: string;
}

export const TOKENS: Record<string, FixtureClaims> = {
  [T1]: { sub: "1", client_id: "client-one", preferred_username: "one", active_org: "lab", client_app: "app-one", client_release: "1.0.0", roles: ["admin"], scope: "openid" },
  [T2]: { sub: "2", client_id: "client-two", preferred_username: "two", active_org: "lab", client_app: "app-two", client_release: "1.0.0", roles: ["admin"], scope: "openid" },
  [T3]: { sub: "3", client_id: "client-three", preferred_username: "three", active_org: "elsewhere", client_app: "app-three", client_release: "1.0.0", roles: ["admin"], scope: "openid" },
  [T4]: { sub: "4", client_id: "client-four", preferred_username: "four", active_org: "lab", client_app: "app-four", client_release: "1.0.0", roles: ["admin"], scope: "openid" },
};

/** The claims of a fixture token (throws for a token outside the fixture). */
export function claimsOf(token: string): FixtureClaims {
  const claims = TOKENS[token];
  if (!claims) throw new Error(`token ${token} is not part of the test fixture`);
  return claims;
}
