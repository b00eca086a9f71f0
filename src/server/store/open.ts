import { ServerStartError } from "../options.js";
import { Store } from "./store.js";

/**
 * Opens the store in `dataDir` for the server and for the offline commands (`server --gc`), with
 * the one error users see when it cannot be opened: `whenLocked` says what to do when another
 * process holds it.
 */
export function openStore(dataDir: string, whenLocked: string): Store {
  try {
    return new Store(dataDir);
  } catch (error) {
    const message = (error as Error).message;
    throw new ServerStartError(
      `cannot open the store in ${dataDir}: ${message}`,
      /locked|busy/i.test(message) ? whenLocked : "check that the folder is writable and holds a store of this arkitekt-next version",
      "ARKITEKT_SERVER_STORE",
    );
  }
}
