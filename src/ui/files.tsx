/**
 * Files on the page (issue 14): a picker for File ports that uploads at once (with a progress
 * bar) and makes the store id the port's value, and a download link for returned files.
 */
import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { Draft } from "./form-model.js";
import { formatBytes } from "../shared/format-bytes.js";
import { MediaError, presign, uploadFile, type MediaAccess, type Presigned } from "./media.js";

/** The page's client and token, for the media routes (provided by the signed-in page). */
export const MediaContext = createContext<MediaAccess | null>(null);

function textOf(error: unknown): string {
  if (error instanceof MediaError) return error.message;
  if (error instanceof Error) return (error as Error & { remoteMessage?: string }).remoteMessage || error.message;
  return String(error);
}

interface FileInputProps {
  id: string;
  name: string;
  draft: Draft;
  onChange: (draft: Draft) => void;
  describedBy?: string | undefined;
}

/** A File port's picker: the file is uploaded when picked; the port's value is its store id. */
export function FileInput({ id, name, draft, onChange, describedBy }: FileInputProps) {
  const access = useContext(MediaContext);
  const [progress, setProgress] = useState<{ loaded: number; total: number } | null>(null);
  // the upload ends after other fields may have changed: report through the newest onChange
  const latest = useRef(onChange);
  latest.current = onChange;
  const running = useRef<AbortController | null>(null);
  useEffect(() => () => running.current?.abort(), []);
  const file = draft.t === "file" ? draft : { t: "file" as const, id: "" };

  const pick = async (picked: File | undefined) => {
    running.current?.abort();
    if (!picked) return;
    if (!access) {
      latest.current({ t: "file", id: "", name: picked.name, error: "this page is not signed in" });
      return;
    }
    const stop = new AbortController();
    running.current = stop;
    setProgress({ loaded: 0, total: picked.size });
    latest.current({ t: "file", id: "", name: picked.name, size: picked.size, uploading: true });
    try {
      const storeId = await uploadFile(access, picked, { signal: stop.signal, onProgress: (loaded, total) => setProgress({ loaded, total }) });
      if (stop.signal.aborted) return;
      latest.current({ t: "file", id: storeId, name: picked.name, size: picked.size });
    } catch (error) {
      if (stop.signal.aborted) return;
      latest.current({ t: "file", id: "", name: picked.name, size: picked.size, error: textOf(error) });
    } finally {
      if (running.current === stop) running.current = null;
      setProgress(null);
    }
  };

  const percent = progress && progress.total > 0 ? Math.round((progress.loaded / progress.total) * 100) : 0;
  return (
    <div class="file-input">
      <input
        id={id}
        name={name}
        type="file"
        aria-invalid={describedBy ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => void pick((e.currentTarget as HTMLInputElement).files?.[0])}
      />
      {file.uploading && progress ? (
        <div class="upload-progress" role="status">
          <progress max={100} value={percent} aria-label={`uploading ${file.name ?? "the file"}`} />
          <span class="muted">
            uploading {file.name} · {formatBytes(progress.loaded)} of {formatBytes(progress.total)} ({percent}%)
          </span>
        </div>
      ) : file.id ? (
        <p class="muted file-value" data-store={file.id}>
          {file.name ? `${file.name}${file.size !== undefined ? ` (${formatBytes(file.size)})` : ""} · ` : ""}
          <code>{file.id}</code>
        </p>
      ) : file.error ? (
        <p class="error upload-error" role="alert">
          the upload of {file.name ?? "the file"} failed: {file.error}
        </p>
      ) : (
        <p class="muted">pick a file: it is uploaded to the platform's media store</p>
      )}
    </div>
  );
}

/** A returned file: a download link under its original file name (a presigned same-origin URL). */
export function FileLink({ storeId }: { storeId: string }) {
  const access = useContext(MediaContext);
  const [link, setLink] = useState<(Presigned & { at: number }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!access) return;
    const stop = new AbortController();
    presign(access, storeId, "GET", stop.signal).then(
      (answer) => setLink({ ...answer, at: Date.now() }),
      (e: unknown) => {
        if (!stop.signal.aborted) setError(textOf(e));
      },
    );
    return () => stop.abort();
  }, [access, storeId]);

  if (error) {
    return (
      <span class="file-link error" data-store={storeId}>
        {storeId}: {error}
      </span>
    );
  }
  if (!link) {
    return (
      <span class="file-link muted" data-store={storeId}>
        {storeId} (preparing the download link…)
      </span>
    );
  }
  const name = link.originalFileName || storeId;
  return (
    <span class="file-link" data-store={storeId}>
      <a
        href={link.url}
        download={name}
        onClick={(e) => {
          // the link expires (expiresIn): an old one is presigned again, then followed
          if (!access || Date.now() - link.at < (link.expiresIn - 30) * 1000) return;
          e.preventDefault();
          const anchor = e.currentTarget as HTMLAnchorElement;
          presign(access, storeId, "GET").then(
            (answer) => {
              setLink({ ...answer, at: Date.now() });
              anchor.href = answer.url;
              anchor.click();
            },
            (err: unknown) => setError(textOf(err)),
          );
        }}
      >
        {name}
      </a>
      {typeof link.size === "number" ? <span class="muted"> ({formatBytes(link.size)})</span> : null}{" "}
      <code class="muted">{storeId}</code>
    </span>
  );
}
