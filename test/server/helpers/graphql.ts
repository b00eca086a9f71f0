/** GraphQL over HTTP, as any client does it: POST with `Authorization: Bearer <token>`. */

export interface GraphQLErrorShape {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

export interface GraphQLResponse<T> {
  /** The HTTP status of the response. */
  status: number;
  data?: T | null;
  errors?: GraphQLErrorShape[];
}

export type Variables = Record<string, unknown>;

/** Sends one operation; `token` undefined sends no Authorization header. Never throws on GraphQL errors. */
export async function graphqlRequest<T>(url: string, token: string | undefined, query: string, variables?: Variables): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables: variables ?? {} }) });
  const text = await response.text();
  let body: { data?: T | null; errors?: GraphQLErrorShape[] } = {};
  try {
    body = text === "" ? {} : (JSON.parse(text) as typeof body);
  } catch {
    body = { errors: [{ message: `non-JSON response (HTTP ${response.status}): ${text.slice(0, 200)}` }] };
  }
  const result: GraphQLResponse<T> = { status: response.status };
  if (body.data !== undefined) result.data = body.data;
  if (body.errors !== undefined) result.errors = body.errors;
  return result;
}

/** Sends one operation and returns its data; throws with the server's error messages if there are any. */
export async function graphqlData<T>(url: string, token: string | undefined, query: string, variables?: Variables): Promise<T> {
  const result = await graphqlRequest<T>(url, token, query, variables);
  if (result.errors && result.errors.length > 0) {
    throw new Error(`GraphQL errors (HTTP ${result.status}): ${result.errors.map((e) => e.message).join(" | ")}\n  in: ${query.trim().split("\n")[0]}`);
  }
  if (result.data === undefined || result.data === null) {
    throw new Error(`GraphQL response without data (HTTP ${result.status}) for: ${query.trim().split("\n")[0]}`);
  }
  return result.data;
}

/** Sends one operation that must fail; returns the error messages (throws if the operation succeeded). */
export async function graphqlErrors(url: string, token: string | undefined, query: string, variables?: Variables): Promise<string[]> {
  const result = await graphqlRequest<unknown>(url, token, query, variables);
  if (!result.errors || result.errors.length === 0) {
    throw new Error(`expected GraphQL errors but the operation succeeded (HTTP ${result.status}): ${JSON.stringify(result.data)}`);
  }
  return result.errors.map((e) => e.message);
}
