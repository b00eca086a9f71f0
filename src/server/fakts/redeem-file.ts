/** `<dataDir>/redeem-token.json` (`{url, redeemToken}`, mode 0600), beside `dev-token.json`: where the CLI finds the dev redeem token. */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const REDEEM_TOKEN_FILE = "redeem-token.json";

export function writeRedeemToken(dataDir: string, url: string, redeemToken: string): void {
  const file = join(dataDir, REDEEM_TOKEN_FILE);
  writeFileSync(file, `${JSON.stringify({ url, redeemToken }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
