/**
 * The form drawn from an action's ports: one field per port kind, widgets from the port's
 * `widget`, HIDE effects, port groups as sections, and each problem (the value rule's, the
 * widget's, or the server's refusal) shown at its field.
 */
import type { ComponentChildren } from "preact";
import { childPath, dictKeyPath, dictValuePath, emptyDraft, hiddenBy, initialDraft, isFilePort, readEffectCondition, type Draft, type FormPort } from "./form-model.js";
import { FileInput } from "./files.js";
import { seenReferences } from "./references.js";

export type Problems = ReadonlyMap<string, readonly string[]>;

interface FieldProps {
  port: FormPort;
  draft: Draft;
  path: string;
  problems: Problems;
  onChange: (draft: Draft) => void;
  /** The label, when the field is an item of a list or dict. */
  label?: string;
  args: Readonly<Record<string, unknown>>;
}

/** A stable, valid element id for a port path. */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_-]/g, (c) => `-${c.charCodeAt(0).toString(16)}-`)}`;
}

function titleOf(port: FormPort): string {
  return port.label || port.key;
}

function ProblemList({ path, problems }: { path: string; problems: Problems }) {
  const list = problems.get(path);
  if (!list || list.length === 0) return null;
  return (
    <ul class="problems" id={`${fieldId(path)}-problems`} role="alert" data-path={path}>
      {list.map((p, i) => (
        <li key={i}>{p}</li>
      ))}
    </ul>
  );
}

function Hints({ port }: { port: FormPort }) {
  const validators = port.validators ?? [];
  const effects = (port.effects ?? []).filter((e) => !readEffectCondition(e.function));
  if (!port.description && validators.length === 0 && effects.length === 0) return null;
  return (
    <div class="hints">
      {port.description ? <p class="description">{port.description}</p> : null}
      {validators.map((v, i) => (
        <p class="validator" key={`v${i}`}>
          {v.label || v.errorMessage || "checked by"} <code>{v.function}</code>
        </p>
      ))}
      {effects.map((e, i) => (
        <p class="validator" key={`e${i}`}>
          {e.kind.toLowerCase()} when <code>{e.function}</code> (shown, not evaluated)
        </p>
      ))}
    </div>
  );
}

/** The wrapper of every field: label, the nullable toggle, the input, hints and problems. */
function Field({ port, draft, path, problems, onChange, label, children }: FieldProps & { children: ComponentChildren }) {
  const id = fieldId(path);
  const isNull = draft.t === "null";
  const bad = (problems.get(path)?.length ?? 0) > 0;
  return (
    <div class={`field kind-${port.kind.toLowerCase()}${bad ? " invalid" : ""}`} data-path={path}>
      <div class="field-head">
        <label for={id}>{label ?? titleOf(port)}</label>
        <span class="kind">{port.kind.toLowerCase()}{port.nullable ? " · optional" : ""}</span>
        {port.nullable ? (
          <label class="null-toggle">
            <input
              type="checkbox"
              checked={isNull}
              onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked ? { t: "null", was: draft } : draft.t === "null" ? (draft.was ?? emptyDraft(port)) : draft)}
            />{" "}
            no value
          </label>
        ) : null}
      </div>
      {isNull ? <p class="muted" id={id}>null</p> : children}
      <Hints port={port} />
      <ProblemList path={path} problems={problems} />
    </div>
  );
}

function textOf(draft: Draft): string {
  return draft.t === "text" ? draft.text : "";
}

function ScalarInput({ port, draft, path, onChange, problems }: FieldProps) {
  const id = fieldId(path);
  const describedBy = problems.get(path)?.length ? `${id}-problems` : undefined;
  const set = (text: string) => onChange({ t: "text", text });
  const common = { id, name: path, "aria-invalid": describedBy ? true : undefined, "aria-describedby": describedBy };
  const widget = port.widget;
  const choices = widget?.kind === "CHOICE" && widget.choices?.length ? widget.choices : port.kind !== "ENUM" && port.choices?.length ? port.choices : null;
  if (choices) {
    return (
      <select {...common} value={textOf(draft)} onChange={(e) => set((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">(choose)</option>
        {choices.map((c) => (
          <option key={String(c.value)} value={String(c.value)} title={c.description ?? undefined}>
            {c.label}
          </option>
        ))}
      </select>
    );
  }
  switch (port.kind) {
    case "INT":
    case "FLOAT":
    case "QUANTITY": {
      const step = port.kind === "INT" ? String(widget?.step ?? 1) : widget?.step != null ? String(widget.step) : "any";
      if (widget?.kind === "SLIDER") {
        const min = widget.min ?? 0;
        const max = widget.max ?? 100;
        // the draft starts at min (emptyDraft) or the default: what is shown is what is sent
        const text = textOf(draft);
        return (
          <div class="slider">
            <input {...common} type="range" min={min} max={max} step={step} value={text} onInput={(e) => set((e.currentTarget as HTMLInputElement).value)} />
            <output for={id}>{text}</output>
          </div>
        );
      }
      return <input {...common} type="number" step={step} inputMode={port.kind === "INT" ? "numeric" : "decimal"} value={textOf(draft)} onInput={(e) => set((e.currentTarget as HTMLInputElement).value)} />;
    }
    case "DATE":
      // milliseconds (a re-run of a past task's date) are kept: the step allows them when there are some
      return <input {...common} type="datetime-local" step={/\.\d/.test(textOf(draft)) ? "0.001" : "1"} value={textOf(draft)} onInput={(e) => set((e.currentTarget as HTMLInputElement).value)} />;
    case "STRUCTURE": {
      if (isFilePort(port)) return <FileInput id={id} name={path} draft={draft} onChange={onChange} describedBy={describedBy} />;
      const seen = seenReferences(port.identifier ?? "");
      const list = `${id}-seen`;
      return (
        <div class="structure">
          <input {...common} type="text" list={list} placeholder={`a ${port.identifier ?? "structure"} reference`} value={textOf(draft)} onInput={(e) => set((e.currentTarget as HTMLInputElement).value)} />
          <datalist id={list}>
            {seen.map((ref) => (
              <option key={ref} value={ref} />
            ))}
          </datalist>
          <span class="muted">{port.identifier}</span>
        </div>
      );
    }
    case "ENUM": {
      const selected = (port.choices ?? []).find((c) => String(c.value) === textOf(draft));
      return (
        <div>
          <select {...common} value={textOf(draft)} onChange={(e) => set((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">(choose)</option>
            {(port.choices ?? []).map((c) => (
              <option key={String(c.value)} value={String(c.value)} title={c.description ?? undefined}>
                {c.label}
              </option>
            ))}
          </select>
          {selected?.description ? <p class="muted choice-description">{selected.description}</p> : null}
        </div>
      );
    }
    case "STRING":
      if (widget?.asParagraph || widget?.kind === "PARAGRAPH") {
        return <textarea {...common} rows={4} placeholder={widget?.placeholder ?? undefined} value={textOf(draft)} onInput={(e) => set((e.currentTarget as HTMLTextAreaElement).value)} />;
      }
      return <input {...common} type="text" placeholder={widget?.placeholder ?? undefined} value={textOf(draft)} onInput={(e) => set((e.currentTarget as HTMLInputElement).value)} />;
    default:
      return <textarea {...common} rows={3} placeholder="JSON" value={textOf(draft)} onInput={(e) => set((e.currentTarget as HTMLTextAreaElement).value)} />;
  }
}

function move<T>(items: readonly T[], from: number, to: number): T[] {
  const out = [...items];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item!);
  return out;
}

function ListInput(props: FieldProps) {
  const { port, draft, path, problems, onChange, args } = props;
  const child = port.children?.[0];
  const items = draft.t === "list" ? draft.items : [];
  if (!child) return <p class="muted">this list port has no item port</p>;
  const set = (next: Draft[]) => onChange({ t: "list", items: next });
  return (
    <div class="list" id={fieldId(path)} role="group" aria-label={titleOf(port)}>
      {items.map((item, i) => (
        <div class="item" key={i}>
          <PortField port={child} draft={item} path={childPath(path, i)} problems={problems} args={args} label={`${titleOf(port)} item ${i + 1}`} onChange={(d) => set(items.map((x, j) => (j === i ? d : x)))} />
          <div class="item-actions">
            <button type="button" aria-label={`move ${titleOf(port)} item ${i + 1} up`} disabled={i === 0} onClick={() => set(move(items, i, i - 1))}>
              ↑
            </button>
            <button type="button" aria-label={`move ${titleOf(port)} item ${i + 1} down`} disabled={i === items.length - 1} onClick={() => set(move(items, i, i + 1))}>
              ↓
            </button>
            <button type="button" aria-label={`remove ${titleOf(port)} item ${i + 1}`} onClick={() => set(items.filter((_, j) => j !== i))}>
              ✕
            </button>
          </div>
        </div>
      ))}
      <button type="button" class="add" onClick={() => set([...items, initialDraft(child)])}>
        add to {titleOf(port)}
      </button>
    </div>
  );
}

function DictInput(props: FieldProps) {
  const { port, draft, path, problems, onChange, args } = props;
  const child = port.children?.[0];
  const rows = draft.t === "dict" ? draft.rows : [];
  if (!child) return <p class="muted">this dict port has no value port</p>;
  const set = (next: typeof rows) => onChange({ t: "dict", rows: next });
  return (
    <div class="dict" id={fieldId(path)} role="group" aria-label={titleOf(port)}>
      {rows.map((row, i) => {
        const keyId = `${fieldId(path)}-key-${i}`;
        const keyPath = dictKeyPath(path, i);
        const keyBad = (problems.get(keyPath)?.length ?? 0) > 0;
        return (
          <div class="row" key={i}>
            <div class={`dict-key${keyBad ? " invalid" : ""}`} data-path={keyPath}>
              <label for={keyId}>key {i + 1}</label>
              <input
                id={keyId}
                type="text"
                value={row.key}
                aria-invalid={keyBad ? true : undefined}
                aria-describedby={keyBad ? `${fieldId(keyPath)}-problems` : undefined}
                onInput={(e) => set(rows.map((r, j) => (j === i ? { ...r, key: (e.currentTarget as HTMLInputElement).value } : r)))}
              />
              <ProblemList path={keyPath} problems={problems} />
            </div>
            <PortField port={child} draft={row.value} path={dictValuePath(path, row.key, i)} problems={problems} args={args} label={`value of ${row.key || `key ${i + 1}`}`} onChange={(d) => set(rows.map((r, j) => (j === i ? { ...r, value: d } : r)))} />
            <button type="button" aria-label={`remove ${titleOf(port)} entry ${i + 1}`} onClick={() => set(rows.filter((_, j) => j !== i))}>
              ✕
            </button>
          </div>
        );
      })}
      <button type="button" class="add" onClick={() => set([...rows, { key: "", value: initialDraft(child) }])}>
        add an entry to {titleOf(port)}
      </button>
    </div>
  );
}

function ModelInput(props: FieldProps) {
  const { port, draft, path, problems, onChange, args } = props;
  const fields = draft.t === "model" ? draft.fields : {};
  return (
    <fieldset class="model" id={fieldId(path)}>
      <legend>{port.identifier ?? titleOf(port)}</legend>
      {(port.children ?? []).map((child) => (
        <PortField key={child.key} port={child} draft={fields[child.key] ?? initialDraft(child)} path={childPath(path, child.key)} problems={problems} args={args} onChange={(d) => onChange({ t: "model", fields: { ...fields, [child.key]: d } })} />
      ))}
    </fieldset>
  );
}

function UnionInput(props: FieldProps) {
  const { port, draft, path, problems, onChange, args } = props;
  const use = draft.t === "union" ? draft.use : 0;
  const variants = port.children ?? [];
  const child = variants[use];
  const pickId = fieldId(path);
  return (
    <div class="union">
      <select id={pickId} value={String(use)} onChange={(e) => {
        const next = Number((e.currentTarget as HTMLSelectElement).value);
        const variant = variants[next];
        if (variant) onChange({ t: "union", use: next, value: initialDraft(variant) });
      }}>
        {variants.map((v, i) => (
          <option key={i} value={String(i)}>
            {v.label || v.kind.toLowerCase()}
          </option>
        ))}
      </select>
      {child && draft.t === "union" ? (
        <PortField port={child} draft={draft.value} path={childPath(path, "__value")} problems={problems} args={args} label={`${titleOf(port)} as ${child.label || child.kind.toLowerCase()}`} onChange={(d) => onChange({ t: "union", use, value: d })} />
      ) : null}
    </div>
  );
}

/** One port's field, by kind. */
export function PortField(props: FieldProps) {
  const { port, args } = props;
  if (hiddenBy(port, args)) return null;
  let input;
  switch (port.kind) {
    case "LIST":
      input = <ListInput {...props} />;
      break;
    case "DICT":
      input = <DictInput {...props} />;
      break;
    case "MODEL":
      input = <ModelInput {...props} />;
      break;
    case "UNION":
      input = <UnionInput {...props} />;
      break;
    case "BOOL": {
      const id = fieldId(props.path);
      input = (
        <input
          id={id}
          type="checkbox"
          class="bool"
          checked={props.draft.t === "bool" && props.draft.value}
          onChange={(e) => props.onChange({ t: "bool", value: (e.currentTarget as HTMLInputElement).checked })}
        />
      );
      break;
    }
    default:
      input = <ScalarInput {...props} />;
  }
  return <Field {...props}>{input}</Field>;
}
