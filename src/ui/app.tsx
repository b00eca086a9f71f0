/**
 * The pages: sign-in, browse (agents and actions, with search), an action (its form, run, its
 * history), a task (live: progress, logs, yields, result or error, cancel, and its tree of child
 * tasks for workflows). Routes live in the fragment: `#/`, `#/action/<id>`, `#/task/<id>`.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { GraphQLClient } from "../runtime/transport/index.js";
import { assign, cancel, tasks as readTasks, uiAction, uiActions, uiAgents, watchAgents, type UiActionQuery, type UiActionsQuery, type UiAgentsQuery } from "../../generated/api/rekuest.js";
import { PortField, type Problems } from "./form.js";
import { argsOf, formProblems, fromWire, initialDraft, problemsOutsideFields, type Draft, type FormPort } from "./form-model.js";
import { DONE_KINDS, LiveTasks, progressOf, type LiveEvent, type LiveTask } from "./live.js";
import { rememberReferencesIn } from "./references.js";
import { FileLink, MediaContext } from "./files.js";
import { FILE_IDENTIFIER } from "./form-model.js";
import type { MediaAccess } from "./media.js";
import { clientFor, errorText, isAuthError, portRefusals, storeToken, storedToken, takeTokenFromLocation } from "./session.js";

type Route = { page: "home" } | { page: "action"; id: string } | { page: "task"; id: string };

function readRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, "");
  const [page, id] = hash.split("/");
  if (page === "action" && id) return { page: "action", id: decodeURIComponent(id) };
  if (page === "task" && id) return { page: "task", id: decodeURIComponent(id) };
  return { page: "home" };
}

function useRoute(): Route {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const on = () => setRoute(readRoute());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** Re-renders whenever the live task map changes. */
function useLive(live: LiveTasks): void {
  const [, setTick] = useState(0);
  useEffect(() => live.subscribe(() => setTick((t) => t + 1)), [live]);
}

interface Session {
  client: GraphQLClient;
  live: LiveTasks;
  /** The client and token for the media routes (file uploads and download links). */
  media: MediaAccess;
}

export function App() {
  const [token, setToken] = useState<string | null>(() => {
    const fromLink = takeTokenFromLocation();
    if (fromLink) storeToken(fromLink);
    return fromLink ?? storedToken();
  });
  const [refused, setRefused] = useState<string | null>(null);
  const [checked, setChecked] = useState(false);
  const session = useMemo<Session | null>(() => {
    if (!token) return null;
    let live: LiveTasks | undefined;
    // events missed while the socket was down (run dev restarting the server) are read again
    const client = clientFor(token, () => live?.resync());
    live = new LiveTasks(client);
    return { client, live, media: { client, token } };
  }, [token]);

  const current = useRef(token);
  current.current = token;
  // a sign-in link opened in a tab that shows the page already changes only the fragment; a link
  // with another token than the one in use asks first (a link can come from anyone), the first
  // sign-in and the same token do not
  useEffect(() => {
    const onHash = () => {
      const fromLink = takeTokenFromLocation();
      if (!fromLink) return;
      const using = current.current;
      if (using && using !== fromLink && !confirm("This link signs in with another token than the one this page uses. Switch to the link's token?")) return;
      storeToken(fromLink);
      setRefused(null);
      setToken(fromLink);
    };
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    if (!session) return;
    let stopped = false;
    setChecked(false);
    uiAgents(session.client).then(
      () => {
        if (stopped) return;
        setChecked(true);
        session.live.start();
        uiActions(session.client, {}).then(
          (list) => session.live.nameActions(list),
          () => undefined,
        );
      },
      (error: unknown) => {
        if (stopped) return;
        if (isAuthError(error)) {
          setRefused("The server refused this token: check it (run dev prints a sign-in link) and try again.");
          storeToken(null);
          setToken(null);
        } else {
          setChecked(true);
          session.live.start();
        }
      },
    );
    return () => {
      stopped = true;
      session.live.stop();
      void session.client.close();
    };
  }, [session]);

  if (!session) {
    return (
      <SignIn
        refused={refused}
        onToken={(t) => {
          setRefused(null);
          storeToken(t);
          setToken(t);
        }}
      />
    );
  }
  return (
    <div class="shell">
      <header class="top">
        <a href="#/" class="brand">
          arkitekt-next
        </a>
        <button
          type="button"
          class="link"
          onClick={() => {
            storeToken(null);
            setToken(null);
          }}
        >
          sign out
        </button>
      </header>
      <main>
        <MediaContext.Provider value={session.media}>{checked ? <Routed session={session} /> : <p class="muted">signing in…</p>}</MediaContext.Provider>
      </main>
    </div>
  );
}

function SignIn({ refused, onToken }: { refused: string | null; onToken: (token: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <main class="signin">
      <h1>arkitekt-next</h1>
      <p>Open the sign-in link that <code>arkitekt-next run dev</code> or <code>arkitekt-next server</code> prints, or paste the token.</p>
      {refused ? (
        <p class="error" role="alert">
          {refused}
        </p>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <label for="token">Token</label>
        <input id="token" type="password" autoComplete="off" value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function Routed({ session }: { session: Session }) {
  const route = useRoute();
  if (route.page === "action") return <ActionPage key={route.id} session={session} id={route.id} />;
  if (route.page === "task") return <TaskPage key={route.id} session={session} id={route.id} />;
  return <Home session={session} />;
}

// ------------------------------------------------------------------------------------------------ browse

type AgentRow = UiAgentsQuery["agents"][number];
type ActionRow = UiActionsQuery["actions"][number];

function Home({ session }: { session: Session }) {
  const [agents, setAgents] = useState<AgentRow[] | null>(null);
  const [actions, setActions] = useState<ActionRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  useEffect(() => {
    const stop = new AbortController();
    const read = () => {
      uiAgents(session.client).then(setAgents, (e: unknown) => setError(errorText(e)));
      uiActions(session.client, {}).then((list) => {
        setActions(list);
        session.live.nameActions(list);
      }, (e: unknown) => setError(errorText(e)));
    };
    read();
    // an agent connecting, leaving or registering: read both lists again (no polling), once per burst
    let queued: ReturnType<typeof setTimeout> | undefined;
    void (async () => {
      try {
        for await (const _change of watchAgents(session.client, {}, { signal: stop.signal })) {
          queued ??= setTimeout(() => {
            queued = undefined;
            read();
          }, 100);
        }
      } catch {
        // the lists stay as read; the page says nothing more
      }
    })();
    return () => {
      stop.abort();
      clearTimeout(queued);
    };
  }, [session]);
  const needle = search.trim().toLowerCase();
  const shown = (actions ?? []).filter(
    (a) =>
      !needle ||
      a.name.toLowerCase().includes(needle) ||
      a.key.toLowerCase().includes(needle) ||
      (a.description ?? "").toLowerCase().includes(needle) ||
      a.collections.some((c) => c.name.toLowerCase().includes(needle)),
  );
  return (
    <div class="home">
      {error ? <p class="error" role="alert">{error}</p> : null}
      <section class="agents">
        <h2>Agents</h2>
        {agents === null ? (
          <p class="muted">loading…</p>
        ) : agents.length === 0 ? (
          <p class="muted">No agent yet: start one with <code>arkitekt-next run dev</code>.</p>
        ) : (
          <ul class="cards">
            {agents.map((a) => (
              <li key={a.id} class="card agent">
                <strong>{a.name}</strong>
                <span class={`badge ${a.connected ? "ok" : "off"}`}>{a.connected ? "connected" : "disconnected"}</span>
                {a.active ? <span class="badge ok">active</span> : null}
                {a.blocked ? <span class="badge bad">blocked</span> : null}
                <span class="muted">
                  app {a.app.identifier} {a.release.version}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="actions">
        <h2>Actions</h2>
        <label for="search">Search actions</label>
        <input id="search" type="search" placeholder="name, description or collection" value={search} onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)} />
        {actions === null ? (
          <p class="muted">loading…</p>
        ) : shown.length === 0 ? (
          <p class="muted">{needle ? "No action matches." : "No action registered yet."}</p>
        ) : (
          <ul class="cards">
            {shown.map((a) => (
              <li key={a.id} class="card action" data-key={a.key}>
                <a href={`#/action/${encodeURIComponent(a.id)}`}>
                  <strong>{a.name}</strong>
                </a>
                <span class="badge">{a.kind.toLowerCase()}</span>
                {a.implementations.some((i) => i.agent.connected) ? null : <span class="badge off">no connected agent</span>}
                {a.description ? <p class="description">{a.description}</p> : null}
                <p class="ports muted">
                  ({a.args.map((p) => `${p.key}: ${p.kind.toLowerCase()}`).join(", ")}) → {a.returns.map((p) => p.kind.toLowerCase()).join(", ") || "nothing"}
                </p>
                {a.collections.length > 0 ? (
                  <p class="collections">
                    {a.collections.map((c) => (
                      <span key={c.id} class="badge">
                        {c.name}
                      </span>
                    ))}
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

// ------------------------------------------------------------------------------------------------ an action

type ActionDetail = NonNullable<UiActionQuery["action"]>;

function ActionPage({ session, id }: { session: Session; id: string }) {
  const [action, setAction] = useState<ActionDetail | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [problems, setProblems] = useState<Problems>(new Map());
  const [busy, setBusy] = useState(false);
  const [history, setHistory] = useState<string[]>([]);
  useLive(session.live);

  const ports = useMemo(() => (action?.args ?? []) as unknown as FormPort[], [action]);
  useEffect(() => {
    uiAction(session.client, { id }).then(
      (a) => {
        setAction(a);
        setDrafts(Object.fromEntries(((a?.args ?? []) as unknown as FormPort[]).map((p) => [p.key, initialDraft(p)])));
      },
      (e: unknown) => {
        setAction(null);
        setError(errorText(e));
      },
    );
    readTasks(session.client, { filters: { action: id }, ordering: [{ createdAt: "DESC" }], pagination: { limit: 20 } }).then(
      (list) => {
        for (const t of list) session.live.upsertTask(t);
        setHistory(list.map((t) => t.id));
      },
      () => undefined,
    );
  }, [session, id]);

  if (action === undefined) return <p class="muted">loading…</p>;
  if (action === null) return <p class="error" role="alert">{error ?? `no action ${id}`}</p>;

  const args = argsOf(ports, drafts);
  const live = [...session.live.tasks.values()].filter((t) => t.action === id && !t.parent);
  const historyIds = [...new Set([...live.map((t) => t.id), ...history])].sort((a, b) => Number(b) - Number(a));
  const groups = (action.portGroups ?? []).filter((g) => g.ports.length > 0);
  const grouped = new Set(groups.flatMap((g) => g.ports));
  const field = (port: FormPort) => (
    <PortField key={port.key} port={port} draft={drafts[port.key] ?? initialDraft(port)} path={port.key} problems={problems} args={args} onChange={(d) => setDrafts((prev) => ({ ...prev, [port.key]: d }))} />
  );

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = formProblems(ports, drafts);
    setProblems(found);
    if (found.size > 0) {
      setError("Some fields need attention.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      rememberReferencesIn(args);
      const task = await assign(session.client, { input: { action: id, args } });
      session.live.upsertTask(task);
      location.hash = `#/task/${encodeURIComponent(task.id)}`;
    } catch (error) {
      const refusals = portRefusals(error);
      if (refusals.length > 0) {
        const map = new Map<string, string[]>();
        for (const r of refusals) map.set(r.path, [...(map.get(r.path) ?? []), r.message]);
        setProblems(map);
        setError("The server refused some fields.");
      } else setError(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="action-page">
      <h1>{action.name}</h1>
      <p class="muted">
        {action.key} · {action.kind.toLowerCase()} · version {action.version}
        {action.collections.map((c) => (
          <span key={c.id} class="badge">
            {c.name}
          </span>
        ))}
      </p>
      {action.description ? <p class="description">{action.description}</p> : null}
      {action.implementations.some((i) => i.agent.connected) ? null : <p class="warn">No connected agent implements this action: a task waits until one connects.</p>}
      <form class="port-form" noValidate onSubmit={(e) => void submit(e)}>
        {ports.filter((p) => !grouped.has(p.key)).map(field)}
        {groups.map((g) => (
          <fieldset key={g.key} class="group">
            <legend>{g.title || g.key}</legend>
            {g.description ? <p class="muted">{g.description}</p> : null}
            {ports.filter((p) => g.ports.includes(p.key)).map(field)}
          </fieldset>
        ))}
        {ports.length === 0 ? <p class="muted">This action takes no arguments.</p> : null}
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <ProblemsOutsideFields ports={ports} problems={problems} args={args} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Starting…" : "Run"}
        </button>
      </form>
      <section class="history">
        <h2>History</h2>
        {historyIds.length === 0 ? <p class="muted">No task yet.</p> : null}
        <ul class="tasks">
          {historyIds.map((tid) => {
            const t = session.live.tasks.get(tid);
            if (!t) return null;
            return (
              <li key={tid}>
                <a href={`#/task/${encodeURIComponent(tid)}`}>task {tid}</a> <StatusBadge task={t} /> <code class="args">{JSON.stringify(t.args ?? {})}</code>{" "}
                <button
                  type="button"
                  onClick={() => {
                    const past = (t.args ?? {}) as Record<string, unknown>;
                    setDrafts(Object.fromEntries(ports.map((p) => [p.key, p.key in past ? fromWire(p, past[p.key]) : initialDraft(p)])));
                    setProblems(new Map());
                    scrollTo({ top: 0 });
                  }}
                >
                  fill the form with these
                </button>
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}

/** Problems no field shows (a path that matches no port, a port hidden by an effect): listed under the form. */
function ProblemsOutsideFields({ ports, problems, args }: { ports: FormPort[]; problems: Problems; args: Record<string, unknown> }) {
  const outside = problemsOutsideFields(ports, problems, args);
  if (outside.length === 0) return null;
  return (
    <ul class="problems outside" role="alert">
      {outside.map(({ path, text }) => (
        <li key={path} data-path={path}>
          {text}
        </li>
      ))}
    </ul>
  );
}

// ------------------------------------------------------------------------------------------------ a task

function StatusBadge({ task }: { task: LiveTask }) {
  const bad = task.status === "FAILED" || task.status === "CRITICAL";
  const cls = bad ? "bad" : task.status === "COMPLETED" ? "ok" : task.isDone ? "off" : "run";
  return <span class={`badge status ${cls}`}>{task.status.toLowerCase()}</span>;
}

function ValueView({ value }: { value: unknown }) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (v.__identifier === FILE_IDENTIFIER && typeof v.object === "string") return <FileLink storeId={v.object} />;
    if (typeof v.__identifier === "string" && "object" in v) {
      return (
        <span class="ref" title={v.__identifier}>
          {v.__identifier}: {String(v.object)}
        </span>
      );
    }
    if (typeof v.__use === "number" && "__value" in v) return <ValueView value={v.__value} />;
    return (
      <dl class="model">
        {Object.entries(v).map(([k, x]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>
              <ValueView value={x} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  if (Array.isArray(value)) {
    return (
      <ol class="list-value">
        {value.map((x, i) => (
          <li key={i}>
            <ValueView value={x} />
          </li>
        ))}
      </ol>
    );
  }
  return <span class="scalar">{value === null ? "null" : typeof value === "string" ? value : JSON.stringify(value)}</span>;
}

function Returns({ returns, ports }: { returns: unknown; ports: ReadonlyArray<{ key: string; label: string | null }> }) {
  const r = (returns ?? {}) as Record<string, unknown>;
  const keys = ports.length > 0 ? ports.map((p) => p.key) : Object.keys(r);
  return (
    <dl class="returns">
      {keys.map((k) => (
        <div key={k} data-port={k}>
          <dt>{ports.find((p) => p.key === k)?.label || k}</dt>
          <dd>
            <ValueView value={r[k]} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function TaskTree({ live, id, current }: { live: LiveTasks; id: string; current: string }) {
  const task = live.tasks.get(id);
  if (!task) return null;
  const kids = live.children(id);
  return (
    <li class={`tree-node${id === current ? " current" : ""}`} data-task={id}>
      <a href={`#/task/${encodeURIComponent(id)}`}>
        {live.actionName(task)} · task {id}
      </a>{" "}
      <StatusBadge task={task} />
      {kids.length > 0 ? (
        <ul>
          {kids.map((k) => (
            <TaskTree key={k.id} live={live} id={k.id} current={current} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function TaskPage({ session, id }: { session: Session; id: string }) {
  const { live, client } = session;
  useLive(live);
  const [error, setError] = useState<string | null>(null);
  const [action, setAction] = useState<ActionDetail | null>(null);
  const task = live.tasks.get(id);
  useEffect(() => {
    live.load(id).then(
      (t) => {
        if (!t) setError(`no task ${id}`);
        else
          uiAction(client, { id: t.action }).then(
            (a) => setAction(a ?? null),
            () => undefined,
          );
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, [live, client, id]);
  const events = task?.events ?? [];
  useEffect(() => {
    for (const e of events) if (e.kind === "YIELD") rememberReferencesIn(e.returns);
  }, [events.length]);
  if (!task) return error ? <p class="error" role="alert">{error}</p> : <p class="muted">loading…</p>;

  // the tree: from the root (walk up through parents we know)
  let rootId = task.id;
  for (let up = live.tasks.get(task.parent ?? ""); up; up = live.tasks.get(up.parent ?? "")) rootId = up.id;
  if (task.root && live.tasks.has(task.root)) rootId = task.root;
  const hasTree = live.children(rootId).length > 0 || rootId !== task.id;
  const progress = progressOf(task);
  const yields = events.filter((e) => e.kind === "YIELD");
  const logs = events.filter((e) => e.kind === "LOG" || e.kind === "PROGRESS");
  const failure = events.find((e) => e.kind === "FAILED" || e.kind === "CRITICAL");
  const returnPorts = action?.returns ?? [];
  const generator = action?.kind === "GENERATOR";
  return (
    <div class="task-page" data-status={task.status}>
      <h1>
        {action ? <a href={`#/action/${encodeURIComponent(action.id)}`}>{action.name}</a> : live.actionName(task)} · task {task.id}
      </h1>
      <p>
        <StatusBadge task={task} />{" "}
        {!task.isDone ? (
          <button
            type="button"
            class="danger"
            onClick={() =>
              cancel(client, { task: task.id }).then(
                (t) => live.upsertTask(t),
                (e: unknown) => setError(errorText(e)),
              )
            }
          >
            Cancel
          </button>
        ) : null}
      </p>
      {error ? <p class="error" role="alert">{error}</p> : null}
      <div class="progress">
        <label for="task-progress">Progress</label>
        <progress id="task-progress" max={100} value={progress ?? (task.isDone ? 100 : undefined)} />
        <span class="muted">{progress === null ? (task.isDone ? "" : "working…") : `${progress}%`}</span>
      </div>
      {failure ? (
        <section class="failure">
          <h2>Error</h2>
          <pre class="error">{failure.message ?? failure.kind}</pre>
        </section>
      ) : null}
      <section class="yields">
        <h2>{generator ? `Yields (${yields.length})` : "Result"}</h2>
        {yields.length === 0 ? <p class="muted">{task.isDone ? "nothing returned" : "waiting…"}</p> : null}
        {generator ? (
          <ol class="yield-list">
            {yields.map((y) => (
              <li key={y.id} class="yield">
                <Returns returns={y.returns} ports={returnPorts} />
              </li>
            ))}
          </ol>
        ) : yields.length > 0 ? (
          <div class="result">
            <Returns returns={yields[yields.length - 1]!.returns} ports={returnPorts} />
          </div>
        ) : null}
      </section>
      {hasTree ? (
        <section class="tree">
          <h2>Workflow</h2>
          <ul class="task-tree">
            <TaskTree live={live} id={rootId} current={task.id} />
          </ul>
        </section>
      ) : null}
      <section class="logs">
        <h2>Log</h2>
        {logs.length === 0 ? <p class="muted">no log lines</p> : null}
        <ol class="log">
          {logs.map((e) => (
            <LogLine key={e.id} event={e} />
          ))}
        </ol>
      </section>
      <section class="args-view">
        <h2>Arguments</h2>
        <ValueView value={task.args ?? {}} />
      </section>
      {DONE_KINDS.has(task.status) && action ? (
        <p>
          <a href={`#/action/${encodeURIComponent(action.id)}`}>Back to {action.name}</a>
        </p>
      ) : null}
    </div>
  );
}

function LogLine({ event }: { event: LiveEvent }) {
  const level = event.kind === "PROGRESS" ? "PROGRESS" : (event.level ?? "INFO");
  return (
    <li class={`level-${level.toLowerCase()}`}>
      <time>{event.createdAt.slice(11, 19)}</time> <span class="level">{level}</span> {event.message ?? (event.progress !== null ? `${event.progress}%` : "")}
    </li>
  );
}
