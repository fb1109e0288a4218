"""A build's model requests through a provider's batch engine instead of one live request at a time.

The OpenAI Batch API answers a file of requests within 24 hours at half the price of live requests;
`vllm run-batch` reads and writes the same JSON Lines on a local GPU. The round trip:

1. `write_batch_file(jobs, engine, path)`: one line per job of a build's plan, its body exactly the first
   request the live path would send (`ModelEngine.body_for`: one request builder for both).
2. The provider answers it: `BatchClient.submit`, `.status` and `.collect` (`xborder batch …`), or
   `vllm run-batch -i requests.jsonl -o results.jsonl --model NAME`.
3. `import_batch_results(results, jobs, engine, memory)`: each reply is read and checked exactly as the
   live path reads its first reply (`ModelEngine.result_for_reply`) and kept in the memory
   (`stages.commit`), so the next build finds the listings there and asks for nothing it holds.

Structured-output mode: a live run finds it on its first request (JSON schema, else JSON mode, else
JSON asked for in the prompt); a batch file is written before anything is asked, so nothing can be
found out. It uses `[model] structured_output` when set (`xborder doctor` says which mode an endpoint
takes), else json_schema, which OpenAI's Batch API and vLLM both accept. How a reply is read does not
depend on the mode, so results are imported the same whatever mode wrote the file.

custom_id: `<listing key:16><request:8>-<market>-<SKU>` (at most 64 characters of [A-Za-z0-9_-]). The
first 16 hex digits are the engine's memory key of the product's listing for the market (the product's
data, the market's brief, the glossary entries it uses, model and prompt version); the next 8 are a hash
of what the request asks (the fields, and the segments by the ids the reply answers with); market and
SKU are for people reading the file. The same plan writes the same ids; an id no job of the current
plan has is reported, never guessed at: results of an older catalog, another model or prompt are
"unknown"; a product × market the current plan asks differently (the catalog, the memory or the
markets changed since the file was written, so the reply's ids t1, t2 … may mean other texts) is
"stale"; one the memory already holds (imported before) is "held".

No repair request: a reply whose listing fields break a rule is kept with the REJECTED origin and its
reasons, exactly as the live path keeps one its repair could not fix; like that one it is not asked again
(live or batch) unless the build asks for retries (`--retry-rejected`, `[model] retry_rejected`). Translations
that fail their checks are left out and asked again by the next build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai

from xborder.version import __version__
from xborder.errors import InputError, ProviderError, XborderError
from xborder.files import write_bytes, write_text
from xborder.status import ExitStatus
from xborder.engines.engine import Job, JobResult, Usage
from xborder.language.memory import TranslationMemory
from xborder.engines.model import (MODES, ModelEngine, ModelSettings, describe_error, endpoint, exchange_tokens,
                                     make_client, scrub)
from xborder.engines.rejection import top_reasons
from xborder.engines.engine import commit, known_rendering
from xborder.engines.rejection import REJECTED

URL = "/v1/chat/completions"
MAX_REQUESTS = 50_000  # OpenAI's limits for one batch file
MAX_BYTES = 200 * 1024 * 1024
_ID = re.compile(r"[0-9a-f]{24}-")


def batch_mode(engine: ModelEngine, mode: str | None = None) -> str:
    """The structured-output mode of a batch file: `mode` if given, else the engine's (named by [model]
    structured_output, or found by a live request of this run), else json_schema."""
    chosen = mode or engine.mode or MODES[0]
    if chosen not in MODES:
        raise ValueError(f"unknown structured-output mode {chosen!r}; one of {', '.join(MODES)}")
    return chosen


def custom_id(job: Job, engine: ModelEngine) -> str:
    """The job's id in a batch file: stable for the same plan, different when what is asked differs."""
    request, _ = engine.request_for(job)
    key = engine.listing_key(job.product, job.market, job.glossary, job.source_lang)
    asked = json.dumps([request.wants(), request.segments], ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(asked.encode("utf-8")).hexdigest()
    readable = "-".join(re.sub(r"[^A-Za-z0-9_-]+", "_", part).strip("_") or "x"
                        for part in (job.market.key, job.product.sku))
    return f"{key[:16]}{digest[:8]}-{readable}"[:64]


def batch_requests(jobs: Iterable[Job], engine: ModelEngine, mode: str | None = None) -> Iterator[dict[str, Any]]:
    """One OpenAI Batch input line per job: {"custom_id", "method": "POST", "url": "/v1/chat/completions",
    "body"}, the body exactly the live path's first request in the batch's mode (see `batch_mode`).

    A job with nothing to ask (the offline engine renders all it needs) has no line; jobs that would send
    the same request (the same product data twice) share one line, and importing it serves them all."""
    mode = batch_mode(engine, mode)
    seen: set[str] = set()
    for job in jobs:
        body = engine.body_for(job, mode)
        if body is None:
            continue
        cid = custom_id(job, engine)
        if cid in seen:
            continue
        seen.add(cid)
        yield {"custom_id": cid, "method": "POST", "url": URL, "body": body}


def write_batch_file(jobs: Iterable[Job], engine: ModelEngine, path: Path, mode: str | None = None) -> int:
    """Write the jobs' requests as a batch input file (JSON Lines, UTF-8, written whole or not at all) and
    return how many requests it holds. With none (the memory holds everything) the file is written empty,
    so an older file at the same path cannot be submitted by mistake."""
    lines = [json.dumps(line, ensure_ascii=False) + "\n" for line in batch_requests(jobs, engine, mode)]
    write_text(Path(path), "".join(lines))
    return len(lines)


def check_batch_file(path: Path) -> tuple[int, str]:
    """The number of requests in a batch input file and the model they ask, after checking what the
    provider would refuse: lines that are not requests, repeated ids, several models, OpenAI's size limits."""
    path = Path(path)
    where = str(path)
    try:
        size = path.stat().st_size
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=where) from None
    except OSError as error:
        raise InputError(f"cannot read it ({error.strerror})", file=where) from None
    if size > MAX_BYTES:
        raise InputError(f"{size / 2**20:.0f} MB; a batch file holds at most 200 MB: build fewer catalogs or "
                         "markets at once", file=where)
    ids: set[str] = set()
    models: set[str] = set()
    with handle:
        try:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError:
                    raise InputError(f"line {number} is not JSON; is this a batch file xborder wrote?",
                                     file=where) from None
                body = line.get("body") if isinstance(line, dict) else None
                if not isinstance(body, dict) or not isinstance(line.get("custom_id"), str):
                    what = "a batch result" if isinstance(line, dict) and "response" in line else "not a request"
                    raise InputError(f"line {number} is {what}: a batch file to submit has a custom_id and a "
                                     "body on every line", file=where)
                if line.get("url") != URL or line.get("method") != "POST":
                    raise InputError(f"line {number} asks {line.get('method')} {line.get('url')}; xborder submits "
                                     f"POST {URL} only", file=where)
                if line["custom_id"] in ids:
                    raise InputError(f"line {number} repeats the custom_id {line['custom_id']}", file=where)
                ids.add(line["custom_id"])
                models.add(str(body.get("model", "")))
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text; is this a batch file xborder wrote?", file=where) from None
    if not ids:
        raise InputError("no requests in it: the memory held everything when it was written", file=where)
    if len(ids) > MAX_REQUESTS:
        raise InputError(f"{len(ids):,} requests; a batch holds at most {MAX_REQUESTS:,}", file=where)
    if len(models) > 1:
        raise InputError(f"asks {len(models)} models ({', '.join(sorted(models))}); a batch asks one", file=where)
    return len(ids), models.pop()


# import ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineNote:
    """One line of a results file that was not imported, and why."""

    line: int
    custom_id: str
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "custom_id": self.custom_id, "reason": self.reason}


@dataclass
class BatchImport:
    """What importing a batch's results did. Jobs are counted once per product × market."""

    path: Path
    lines: int = 0  # result lines read (blank lines aside)
    imported: int = 0  # jobs whose reply passed its checks and is in the memory
    rejected: int = 0  # jobs whose listing fields broke a rule: stored as rejected, with their reasons
    # each rejected job: line, custom_id, SKU, market, reasons
    rejections: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0  # translations left out because they failed their checks (asked again by the next build)
    failed: list[LineNote] = field(default_factory=list)  # error lines, unusable replies, lines that are not JSON
    unknown: list[LineNote] = field(default_factory=list)  # no job of this plan: an older catalog, model or prompt
    stale: list[LineNote] = field(default_factory=list)  # the product × market is asked differently now
    held: list[LineNote] = field(default_factory=list)  # the memory already holds it (imported before)
    missing: list[Job] = field(default_factory=list)  # jobs no line answers
    results: list[JobResult] = field(default_factory=list)  # what was committed, for the build's plan
    usage: Usage = field(default_factory=Usage)  # the replies' requests and tokens

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "lines": self.lines, "imported": self.imported, "rejected": self.rejected,
                "rejections": self.rejections,
                "top_reasons": top_reasons((r["check"] for r in item["reasons"]) for item in self.rejections),
                "translations_dropped": self.dropped, "failed": [n.to_json() for n in self.failed],
                "unknown": [n.to_json() for n in self.unknown], "stale": [n.to_json() for n in self.stale],
                "held": [n.to_json() for n in self.held],
                "missing": [{"sku": j.product.sku, "market": j.market.key} for j in self.missing],
                **self.usage.to_json()}


def import_batch_results(path: Path, jobs: Iterable[Job], engine: ModelEngine,
                         memory: TranslationMemory) -> BatchImport:
    """Keep a batch's replies (OpenAI Batch output, or `vllm run-batch` output) in the memory.

    `jobs` are the current plan's jobs (those `write_batch_file` wrote lines for, if nothing changed since).
    Each line is matched to its jobs by custom_id, read and checked exactly as the live path reads its first
    reply, and committed through `stages.commit`: a reply whose fields break a rule is stored as rejected
    (the next build asks again), one that is not the JSON asked for stores nothing. Lines that cannot be
    used are reported in the result, never raised: error lines and unusable replies (`failed`), ids of no
    job (`unknown`, `stale`, `held`, see the module's doc); jobs no line answers are `missing`.

    Raises InputError, naming the file and line, when the file cannot be read or is not batch results at
    all (not one line is): a batch input file given by mistake, a workbook, an empty file."""
    path = Path(path)
    where = str(path)
    mode = batch_mode(engine)
    by_id: dict[str, list[Job]] = {}
    for job in jobs:
        if engine.body_for(job, mode) is not None:
            by_id.setdefault(custom_id(job, engine), []).append(job)
    listed = {cid[:16] for cid in by_id}
    report = BatchImport(path)
    answered: set[str] = set()
    first_problem: LineNote | None = None
    usable = 0
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError("no such file", file=where) from None
    except OSError as error:
        raise InputError(f"cannot read it ({error.strerror})", file=where) from None
    with handle:
        for number, data in enumerate(handle, 1):
            try:
                raw = data.decode("utf-8").lstrip("\ufeff")
            except UnicodeDecodeError:
                raise InputError(f"line {number} is not UTF-8 text; is this the results file of a batch?",
                                 file=where) from None
            if not raw.strip():
                continue
            report.lines += 1
            entry, problem = _entry(raw)
            if entry is None:
                note = LineNote(number, "", problem)
                report.failed.append(note)
                first_problem = first_problem or note
                continue
            if "response" not in entry and "error" not in entry and "body" in entry:
                raise InputError(f"line {number} is a request, not a result: this is a batch input file; "
                                 "submit it (`xborder batch submit`), then import what `xborder batch collect` "
                                 "writes", file=where)
            usable += 1
            cid = entry["custom_id"]
            matched = by_id.get(cid)
            if matched is None:
                _unmatched(report, LineNote(number, cid), listed, memory)
                continue
            if cid in answered:
                report.held.append(LineNote(number, cid, "a second line for the same request"))
                continue
            text, reported, problem = _reply(entry)
            if text is None:
                report.failed.append(LineNote(number, cid, problem))
                continue
            answered.add(cid)
            if _held(matched[0], engine, memory):
                report.held.append(LineNote(number, cid, "the memory already holds it"))
                continue
            _keep(report, LineNote(number, cid), matched, text, reported, engine, memory, mode)
    if not report.lines:
        raise InputError("empty: no batch results in it", file=where)
    if not usable and first_problem is not None:
        raise InputError(f"line {first_problem.line}: {first_problem.reason}; not the results of a batch (JSON "
                         "Lines with a custom_id and a response on each)", file=where)
    failed_ids = {note.custom_id for note in report.failed}
    report.missing = [job for cid, matched in by_id.items() if cid not in answered and cid not in failed_ids
                      for job in matched]
    return report


def _entry(raw: str) -> tuple[dict[str, Any] | None, str]:
    """A results line as JSON with a custom_id, or why it is not one."""
    try:
        entry = json.loads(raw)
    except json.JSONDecodeError:
        return None, "not JSON"
    if not isinstance(entry, dict) or not isinstance(entry.get("custom_id"), str) or not entry["custom_id"]:
        return None, "no custom_id"
    return entry, ""


def _reply(entry: dict[str, Any]) -> tuple[str | None, tuple[int | None, int | None] | None, str]:
    """The reply text of a results line and the tokens the server reported, or why there is none."""
    error, response = entry.get("error"), entry.get("response")
    if error:
        message = (error.get("message") or error.get("code")) if isinstance(error, dict) else error
        return None, None, f"the provider did not run it: {' '.join(str(message).split())[:200]}"
    if not isinstance(response, dict):
        return None, None, "no response"
    body = response.get("body")
    status = response.get("status_code")
    if status not in (None, 200):
        detail = body.get("error") if isinstance(body, dict) else body
        if isinstance(detail, dict):
            detail = detail.get("message") or detail.get("code")
        return None, None, f"HTTP {status}" + (f": {' '.join(str(detail).split())[:200]}" if detail else "")
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None, None, "the response has no reply (no choices)"
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str) or not content.strip():
        return None, None, "the reply is empty"
    usage = body.get("usage") if isinstance(body, dict) else None
    reported = None
    if isinstance(usage, dict) and all(isinstance(usage.get(k), int) for k in ("prompt_tokens", "completion_tokens")):
        reported = (usage["prompt_tokens"], usage["completion_tokens"])
    return content, reported, ""


def _keep(report: BatchImport, note: LineNote, jobs: list[Job], text: str,
          reported: tuple[int | None, int | None] | None, engine: ModelEngine, memory: TranslationMemory,
          mode: str) -> None:
    """Read one reply for its jobs (usually one) and commit what it made."""
    first = jobs[0]
    messages = [] if reported is not None else (engine.body_for(first, mode) or {}).get("messages", [])
    prompt, completion = exchange_tokens(messages, text, reported)
    for index, job in enumerate(jobs):
        usage = Usage(1, prompt, completion) if index == 0 else Usage()  # one request, whatever it serves
        result = engine.result_for_reply(job, text, usage)
        report.usage.add(usage)
        if result.error:
            report.failed.append(LineNote(note.line, note.custom_id, result.error))
            return
        commit(engine, result, memory)
        report.results.append(result)
        asked = engine.request_for(job)[0].segments
        report.dropped += len(asked) - sum(1 for r in result.renderings if r.provenance == "model")
        if result.copy is not None and not result.copy_accepted:
            report.rejected += 1
            reasons = result.rejection.reasons if result.rejection is not None else ()
            report.rejections.append({"line": note.line, "custom_id": note.custom_id, "sku": job.product.sku,
                                      "market": job.market.key, "reasons": [r.to_json() for r in reasons]})
        else:
            report.imported += 1


def _held(job: Job, engine: ModelEngine, memory: TranslationMemory) -> bool:
    """Whether the memory already holds all the job asks (an accepted listing, every segment), so a reply
    must not replace it: a line imported twice, or jobs planned before another import."""
    if job.write_fields:
        cached = memory.cached(engine.listing_key(job.product, job.market, job.glossary, job.source_lang))
        if cached is None or cached.origin == REJECTED:
            return False
    request, _ = engine.request_for(job)
    return all(known_rendering(engine, source, job.market, job.glossary, memory, job.source_lang) is not None
               for source in request.segments.values())


def _unmatched(report: BatchImport, note: LineNote, listed: set[str], memory: TranslationMemory) -> None:
    """Sort a line no job of the plan has into stale, held or unknown."""
    cid = note.custom_id
    if _ID.match(cid) and cid[:16] in listed:
        report.stale.append(LineNote(note.line, cid, "this product × market is asked differently now (the "
                                     "catalog, memory or markets changed since the batch file was written)"))
    elif _ID.match(cid) and _memory_has_listing(memory, cid[:16]):
        report.held.append(LineNote(note.line, cid, "the memory already holds it"))
    else:
        report.unknown.append(LineNote(note.line, cid, "no product × market of this build has this id (another "
                                       "catalog, model or prompt)"))


def _memory_has_listing(memory: TranslationMemory, prefix: str) -> bool:
    """Whether the memory caches a listing under a key starting with `prefix` (16 hex digits): an accepted one, or
    one kept as rejected that this build does not ask for again."""
    return bool(memory.db.execute("SELECT 1 FROM cache WHERE key >= ? AND key < ? LIMIT 1",
                                  (prefix, prefix + "g")).fetchall())


# the provider's Batch API ---------------------------------------------------------------------

class BatchNotReady(XborderError):
    """The batch has not finished: nothing to collect yet."""

    exit_code = ExitStatus.FINDINGS


_DONE = ("completed", "expired", "cancelled")  # expired and cancelled batches keep what was answered


class BatchClient:
    """The provider's Batch API through the `openai` client, with the endpoint and key a build uses
    ([model] base_url, OPENAI_BASE_URL, OPENAI_API_KEY). Errors become one ProviderError line without the key."""

    def __init__(self, settings: ModelSettings, client: openai.OpenAI | None = None):
        self.settings = settings
        self.base, self._key = endpoint(settings)
        self._client = client or make_client(settings)  # no retries of its own: creating a batch is not repeated
        self._retrying = self._client.with_options(max_retries=settings.retries)  # reading and uploading are

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> BatchClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, path: Path, checked: tuple[int, str] | None = None) -> str:
        """Upload a batch input file (purpose "batch") and start a batch of chat completions on it, answered
        within 24 hours; returns the batch id. The file is checked first (`check_batch_file`) unless
        `checked` is what that check returned for it."""
        path = Path(path)
        count, _ = checked or check_batch_file(path)
        data = path.read_bytes()
        try:
            uploaded = self._retrying.files.create(file=(path.name, data, "application/jsonl"), purpose="batch")
        except openai.APIError as error:
            raise ProviderError(self._describe(error)) from None
        try:
            batch = self._client.batches.create(
                input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h",
                metadata={"xborder_version": __version__, "file": path.name[:500], "requests": str(count)})
        except openai.APIError as error:
            raise ProviderError(self._describe(error)) from None
        return batch.id

    def status(self, batch_id: str) -> dict[str, Any]:
        """Where a batch is: status (validating, in_progress, finalizing, completed, failed, expired,
        cancelling, cancelled), request counts, times (ISO 8601, UTC), result file ids and errors."""
        try:
            batch = self._retrying.batches.retrieve(batch_id)
        except openai.APIError as error:
            raise ProviderError(self._describe(error, batch_id)) from None
        counts = batch.request_counts
        errors = [" ".join(f"{e.code or ''}: {e.message or ''}".split()) + (f" (line {e.line})" if e.line else "")
                  for e in (batch.errors.data or [] if batch.errors else [])]
        return {"id": batch.id, "status": batch.status, "model": getattr(batch, "model", None),
                "requests": {"total": counts.total if counts else 0, "completed": counts.completed if counts else 0,
                             "failed": counts.failed if counts else 0},
                "created_at": _iso(batch.created_at), "expires_at": _iso(batch.expires_at),
                "completed_at": _iso(batch.completed_at or batch.expired_at or batch.cancelled_at or batch.failed_at),
                "input_file_id": batch.input_file_id, "output_file_id": batch.output_file_id,
                "error_file_id": batch.error_file_id, "errors": errors, "metadata": dict(batch.metadata or {})}

    def collect(self, batch_id: str, out: Path) -> dict[str, Any]:
        """Download a finished batch's results (its output file, and its error file if any) and write them as
        one results file at `out` (JSON Lines, written whole or not at all), ready for `import_batch_results`.
        Returns `status` with "path" and "lines". Raises BatchNotReady while it runs, ProviderError if it failed."""
        found = self.status(batch_id)
        if found["status"] == "failed":
            raise ProviderError(f"batch {batch_id} failed" + (f": {'; '.join(found['errors'][:3])}"
                                                              if found["errors"] else ""))
        if found["status"] not in _DONE:
            counts = found["requests"]
            raise BatchNotReady(f"batch {batch_id} is {found['status']} ({counts['completed'] + counts['failed']} of "
                                f"{counts['total']} requests answered); collect it once it is completed "
                                f"(`xborder batch status {batch_id}`)")
        parts = []
        for file_id in (found["output_file_id"], found["error_file_id"]):
            if not file_id:
                continue
            try:
                data = self._retrying.files.content(file_id).content
            except openai.APIError as error:
                raise ProviderError(self._describe(error)) from None
            if data.strip():
                parts.append(data if data.endswith(b"\n") else data + b"\n")
        if not parts:
            raise ProviderError(f"batch {batch_id} is {found['status']} with no results to collect")
        data = b"".join(parts)
        write_bytes(Path(out), data)
        return {**found, "path": str(out), "lines": sum(1 for line in data.splitlines() if line.strip())}

    def _describe(self, error: BaseException, batch_id: str = "") -> str:
        base = self.base or "api.openai.com"
        if isinstance(error, openai.NotFoundError):
            if batch_id:
                text = f"{base} has no batch '{batch_id}' (HTTP 404)"
            else:
                text = (f"{base} has no Batch API (HTTP 404); a local vLLM answers a batch file with "
                        "`vllm run-batch -i FILE.jsonl -o RESULTS.jsonl --model NAME`")
        elif isinstance(error, openai.PermissionDeniedError):
            text = f"{base} does not allow this key to use the Batch API (HTTP 403)"
        else:
            text = describe_error(error, self.settings, self._key)
        return scrub(text, self._key)


def _iso(timestamp: Any) -> str | None:
    if not isinstance(timestamp, (int, float)) or not timestamp:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(microsecond=0).isoformat()
