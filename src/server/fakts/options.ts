/**
 * Server options of the fakts endpoints (issue 17): token and device-code lifetimes and the bounds
 * of what unauthenticated requests may store. `ServerOptions` extends these; `compileFaktsOptions`
 * fills in the defaults.
 */
export interface FaktsOptions {
  /** Lifetime of an access token issued at `/o/token/` (its `expires_in`), in seconds. Default 3600. */
  accessTokenSeconds?: number;
  /** Longest a device code of `/f/start/` stays valid (its `expiration_time_seconds` is cut to this), in seconds. Default 900. */
  maxDeviceCodeSeconds?: number;
  /** Device codes waiting for an answer at once; a `/f/start/` beyond is refused. Default 100. */
  maxPendingDeviceCodes?: number;
  /** Unexpired access tokens one client may hold; issuing one more drops its oldest. Default 100. */
  maxTokensPerClient?: number;
  /**
   * Fakts clients stored at once (one per app, version and machine); a start or redeem that would
   * make one more is refused (an existing app, version and machine still re-registers). Default 1000.
   */
  maxFaktsClients?: number;
  /** Largest body of a fakts request (`/f/*`, `/o/token/`, the approval form). Default 64 KiB. */
  maxFaktsBodyBytes?: number;
  /**
   * Approve a device code at once when `/f/start/` comes from this machine's own CLI: a loopback
   * peer, a loopback `Host`, no `Origin`, no `Sec-Fetch-Site` and no proxy header (`Forwarded`,
   * `X-Forwarded-For`). Otherwise the user approves it on `/configure/<code>`. Default true.
   */
  autoApproveLocal?: boolean;
}

export type CompiledFaktsOptions = Required<FaktsOptions>;

export const FAKTS_DEFAULTS: CompiledFaktsOptions = {
  accessTokenSeconds: 3600,
  maxDeviceCodeSeconds: 900,
  maxPendingDeviceCodes: 100,
  maxTokensPerClient: 100,
  maxFaktsClients: 1000,
  maxFaktsBodyBytes: 64 * 1024,
  autoApproveLocal: true,
};

/** Fills in the defaults; `positive` is the server's check of a positive integer option. */
export function compileFaktsOptions(options: FaktsOptions, positive: (name: string, value: number | undefined, fallback: number) => number): CompiledFaktsOptions {
  return {
    accessTokenSeconds: positive("accessTokenSeconds", options.accessTokenSeconds, FAKTS_DEFAULTS.accessTokenSeconds),
    maxDeviceCodeSeconds: positive("maxDeviceCodeSeconds", options.maxDeviceCodeSeconds, FAKTS_DEFAULTS.maxDeviceCodeSeconds),
    maxPendingDeviceCodes: positive("maxPendingDeviceCodes", options.maxPendingDeviceCodes, FAKTS_DEFAULTS.maxPendingDeviceCodes),
    maxTokensPerClient: positive("maxTokensPerClient", options.maxTokensPerClient, FAKTS_DEFAULTS.maxTokensPerClient),
    maxFaktsClients: positive("maxFaktsClients", options.maxFaktsClients, FAKTS_DEFAULTS.maxFaktsClients),
    maxFaktsBodyBytes: positive("maxFaktsBodyBytes", options.maxFaktsBodyBytes, FAKTS_DEFAULTS.maxFaktsBodyBytes),
    autoApproveLocal: options.autoApproveLocal ?? FAKTS_DEFAULTS.autoApproveLocal,
  };
}
