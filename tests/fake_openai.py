"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and benchmarks (no network).

It speaks the parts of the API the `openai` client uses (POST /v1/chat/completions, GET /v1/models,
and the Batch API: POST /v1/files, POST /v1/batches, GET /v1/batches/{id}, GET /v1/files/{id}/content)
over real HTTP, so the real client, its timeouts and xborder's retries run. By default it plays a
model: it reads xborder's prompt (MARKET and PRODUCT JSON) and writes a listing that follows it,
translating with a small word list and the glossary entries the prompt carries; to a live-script
prompt (LIVE SCRIPT and PRODUCT JSON) it writes the script's beats from the listing's strings the
prompt carries (`write_script`). A test queues replies (`server.script`), or sets faults: latency,
rate limits, refusing JSON schema.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WORDS = {  # enough Chinese for the test catalogs; anything else becomes a neutral English word
    "羊粪": "sheep manure", "有机肥": "organic fertilizer", "腐熟": "well-rotted", "数字": "digital",
    "万用表": "multimeter", "自动量程": "auto range", "无臭味": "odourless", "疏松透气": "loose and airy",
    "雨伞": "umbrella", "遇水变色": "changes colour when wet", "折叠": "folding", "黑色": "black",
    "黄色": "yellow", "红色": "red", "蓝色": "blue", "白色": "white", "粉色": "pink", "马面裙": "horse-face skirt",
    "汉服": "Hanfu", "涤纶": "polyester", "棉麻": "cotton and linen", "不锈钢": "stainless steel",
    "测电笔": "voltage tester pen", "螺丝刀": "screwdriver", "家用": "household", "高精度": "high precision",
    "袋": "bag", "件套": "-piece set", "电工": "electrician", "工具": "tools", "花园": "garden", "肥料": "fertilizer",
}
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")


@dataclass
class Reply:
    """One scripted answer: status, JSON body or assistant text, headers, and a delay before answering."""

    content: str | None = None  # the assistant's text (200); None: write a listing from the request
    status: int = 200
    error: str = ""
    code: str = ""  # the error's code, when there is one ("insufficient_quota")
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: bool = True
    raw: bytes | None = None  # sent as it is with status 200 (a proxy's HTML page), instead of a completion
    usage_values: dict[str, object] | None = None  # the `usage` object as sent, however wrong
    drip: float = 0.0  # seconds between the bytes of the body, sent one at a time (a server that trickles)
    echo: bool = False  # "{authorization}" in `content` becomes the request's Authorization header (it echoes)
    tokens: int = 0  # streamed (stream=true): the content in this many chunks, one token each (0: ~4 characters each)
    tokens_per_second: float = 0.0  # streamed: how fast the tokens come (0: the server's rate)
    pings: int = 0  # streamed: keep-alive comments (": ping") sent before the first token, one a second, no token


Script = Reply | Callable[[dict], Reply]


SCRIPT_HEAD = "LIVE SCRIPT\n"


def is_script_prompt(body: dict) -> bool:
    """Whether a chat request asks for a live-stream script (else a listing, or `xborder doctor`'s check)."""
    messages = body.get("messages", [])
    return len(messages) > 1 and messages[1]["content"].startswith(SCRIPT_HEAD)


def prompt_parts(body: dict) -> tuple[dict, dict]:
    """The MARKET and PRODUCT documents of xborder's user message (LIVE SCRIPT and PRODUCT for a script)."""
    text = body["messages"][1]["content"]
    decoder = json.JSONDecoder()
    if is_script_prompt(body):
        brief, _ = decoder.raw_decode(text[len(SCRIPT_HEAD):])
        product, _ = decoder.raw_decode(text[text.index("\n\nPRODUCT\n") + 10:])
        return brief, product
    market, _ = decoder.raw_decode(text[text.index("MARKET\n") + 7:])
    product, _ = decoder.raw_decode(text[text.index("PRODUCT\n") + 8:])
    return market, product


def translate(text: str, glossary: list[dict]) -> str:
    """Glossary targets first, then the word list; what is left of the Chinese becomes 'item'."""
    out = text
    for entry in sorted(glossary, key=lambda e: -len(e["source"])):
        if entry["type"] in ("term", "keep"):
            out = out.replace(entry["source"], f" {entry['target']} ")
    for word in sorted(WORDS, key=len, reverse=True):
        out = out.replace(word, f" {WORDS[word]} ")
    out = _CJK_RUN.sub(" item ", out)
    return " ".join(out.replace(" ,", ",").split())


def write_listing(body: dict) -> str:
    """What a careful model would answer to xborder's prompt, as JSON text ({"ok": true} to `xborder doctor`)."""
    if is_script_prompt(body):
        return write_script(body)
    if body["messages"][-1]["content"].startswith("Count from 1 to 100"):  # `xborder doctor`'s speed test
        return " ".join(str(n) for n in range(1, 101))
    if "PRODUCT\n" not in body["messages"][-1]["content"] and "ok" in body["messages"][-1]["content"]:
        return '{"ok": true}'
    market, request = prompt_parts(body)
    product, glossary, wants = request["product"], request["glossary"], request["write"]
    tr = lambda text: translate(text, glossary)  # noqa: E731
    reply: dict = {}
    name = tr(product["name"])
    if "title" in wants:
        parts = [product.get("brand", ""), name] + [tr(product[k]) for k in ("material", "spec") if k in product]
        limit = int(re.search(r"at most (\d+)", market["fields"]["title"]).group(1))
        title = ", ".join(p for p in parts if p)
        reply["title"] = title[:limit].rsplit(" ", 1)[0] if len(title) > limit else title
    facts = [tr(p) for p in product.get("selling_points", [])]
    facts += [f"{label}: {tr(product[key])}" for key, label in (("material", "Material"), ("spec", "Specification"))
              if key in product]
    if product.get("colors"):
        facts.append("Colours: " + ", ".join(tr(c) for c in product["colors"]))
    if product.get("sizes"):
        facts.append("Sizes: " + ", ".join(tr(s) for s in product["sizes"]))
    if "bullets" in wants:
        count = int(re.search(r"exactly (\d+)", market["fields"]["bullets"]).group(1))
        bullets = facts[:count]
        while len(bullets) < count:
            bullets.append(["Sent carefully packed", "Checked before shipping", "Easy to store",
                            "Suits daily use", "Clear instructions included"][len(bullets) % 5])
        if len(facts) > count:  # keep every fact: the rest go into the last bullet
            bullets[-1] = "; ".join(facts[count - 1:])
        reply["bullets"] = bullets
    if "description" in wants:
        intro = [tr(product["description"])] if "description" in product else []
        reply["description"] = "\n".join([name, *intro, *(f"- {fact}" for fact in facts)])
    if "keywords" in wants:
        reply["keywords"] = sorted({tr(c) for c in product.get("colors", [])} | {"gift"})
    if "tags" in wants:
        reply["tags"] = [name.split(",")[0][:20], "gift"]
    if "translations" in wants:
        reply["translations"] = {key: tr(text) for key, text in request["translations"].items()}
    return json.dumps(reply, ensure_ascii=False)


def write_script(body: dict) -> str:
    """What a careful host would answer to xborder's live-script prompt: every segment it lists, in beats of
    the listing's own strings (name, selling points, attributes, price, variant prices, call to action,
    disclaimers) around plain host phrases, must-say beats at priority 1, then optional beats until about a
    fifth over the target; text still in Chinese is translated like a listing's."""
    brief, request = prompt_parts(body)
    listing, glossary = request["listing"], request["glossary"]

    def tr(text: str) -> str:
        return translate(text, glossary) if _CJK_RUN.search(text) else text

    segments: dict[str, list[dict]] = {kind: [] for kind in brief["segments"]}

    def add(kind: str, say: str, do: str = "", priority: int = 5) -> None:
        if kind in segments:
            segments[kind].append({"say": say, "do": do, "priority": priority})

    name, price = tr(listing["name"]), listing["price"]
    points = [tr(p) for p in listing.get("selling_points", [])]
    add("hook", f"Look at this: the {name}.", "Hold the product close to the camera.", 1)
    if points:
        add("hook", f"{points[0]}.", "", 1)
    if listing.get("description"):
        add("story", f"{tr(listing['description'])}.", "", 3)
    if listing.get("origin"):
        add("story", f"It is made in {tr(listing['origin'])}.", "", 3)
    add("story", "Let me tell you who makes it.", "Tell in your own words who makes it: only what you know.", 4)
    add("demo", "Let me show you.", "Turn the product slowly so viewers see every side.", 2)
    for number, point in enumerate(points[1:]):
        add("demo", f"{point}.", "Show this on camera.", 2 if number == 0 else 3)
    for number, attribute in enumerate(listing.get("attributes", [])):
        add("specs", f"{attribute['label']}: {tr(attribute['value'])}.", "", 2 if number < 2 else 4)
    add("social_proof", "If you have one already, tell everyone in the comments how you like it.",
        "Read out real comments only.", 4)
    note = listing.get("price_note", "")
    add("offer", f"The price is {price}" + (f", {note}" if note else "") + ".", "Show the price.", 1)
    for variant in listing.get("variant_prices", []):
        add("offer", f"{tr(variant['options'])}: {variant['price']}.", "", 1)
    add("cta", listing["call_to_action"], "", 1)
    add("faq", "How long does delivery take? The product page shows it before you pay.", "", 3)
    add("faq", "Can it be returned? The return conditions are on the product page.", "", 4)
    add("recap", f"Once more: the {name}, for {price}.", "", 7)
    for text in listing.get("required_disclaimers", []):
        add("disclaimer", text, "", 1)
    timing = brief["timing"]
    unit = "words" if "target_words" in timing else "characters"
    target = timing[f"target_{unit}"] * 1.2

    def size(text: str) -> int:
        return len(text.split()) if unit == "words" else len("".join(text.split()))

    total = sum(size(b["say"]) for beats in segments.values() for b in beats)
    fillers = [("social_proof", "Questions? Type them in the chat and I will answer them live."),
               ("faq", "Everything else you need to know is on the product page."),
               ("recap", f"The {name}, for {price}.")]
    for number in range(40):
        if total >= target:
            break
        kind, text = fillers[number % len(fillers)]
        add(kind, text, "", 6 + number % 3)
        total += size(text)
    return json.dumps(segments, ensure_ascii=False)


# OpenAI's strict structured outputs take a subset of JSON Schema ("Supported schemas" in its structured-outputs
# guide): these keywords; minLength, maxLength, allOf, not, if/then/else … are refused with HTTP 400
STRICT_KEYWORDS = {"type", "properties", "required", "additionalProperties", "items", "description", "enum", "const",
                   "anyOf", "$defs", "$ref", "minItems", "maxItems", "pattern", "format", "minimum", "maximum",
                   "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}


def strict_problems(schema: dict, where: str = "schema") -> list[str]:
    """What OpenAI's strict mode would refuse in a schema: an unsupported keyword, an object that allows other
    properties or leaves one out of `required`."""
    problems = [f"{where}: '{key}' is not permitted" for key in schema if key not in STRICT_KEYWORDS]
    if schema.get("type") == "object":
        if schema.get("additionalProperties") is not False:
            problems.append(f"{where}: additionalProperties must be false")
        if set(schema.get("required", [])) != set(schema.get("properties", {})):
            problems.append(f"{where}: every property must be required")
        for key, sub in schema.get("properties", {}).items():
            problems += strict_problems(sub, f"{where}.{key}")
    if isinstance(schema.get("items"), dict):
        problems += strict_problems(schema["items"], f"{where}[]")
    return problems


def request_schema(body: dict) -> dict:
    """The schema a chat request asks its reply to follow: response_format's (json_schema mode), else the one the
    prompt carries (json_object and prompted modes)."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["schema"]
    marker = "matches this JSON Schema, and nothing else:\n"
    text = body["messages"][1]["content"]
    return json.loads(text[text.index(marker) + len(marker):])


# pseudo-words that are no claim, banned phrase or glossary term, each different (a title may not repeat a word)
FILLER = [a + b for a in ("ka", "lo", "mu", "ne", "po", "tu", "vi", "zo")
          for b in ("ran", "lek", "mot", "nup", "sil", "tav", "zem", "dor")]


def _limit(schema: dict) -> int:
    """A string's length limit: maxLength, else the words of its description ("at most 200 characters")."""
    if "maxLength" in schema:
        return int(schema["maxLength"])
    found = re.search(r"at most (\d+) characters", schema.get("description", ""))
    return int(found.group(1)) if found else 0


def _fill(text: str, size: int) -> str:
    """`text` made exactly `size` characters long with filler words (cut if longer)."""
    out, number = text.strip(), 0
    while len(out) < size:
        out = f"{out} {FILLER[number % len(FILLER)]}" if out else FILLER[number % len(FILLER)]
        number += 1
    out = out[:size]
    return out[:-1] + "x" if out.endswith(" ") else out


def at_the_limits(value: object, schema: dict) -> object:
    """`value` reshaped to the schema's limits exactly: arrays of maxItems (at least minItems) items, strings of
    their limit's length (_limit); what has no limit is left as it is."""
    kind = schema.get("type")
    if kind == "object":
        given = value if isinstance(value, dict) else {}
        return {key: at_the_limits(given.get(key), sub) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        items = list(value) if isinstance(value, list) else []
        size = schema.get("maxItems") or max(len(items), schema.get("minItems", 0))
        items = (items + [""] * size)[:size]
        return [at_the_limits(item, schema.get("items", {})) for item in items]
    if kind == "string":
        size = _limit(schema)
        return _fill(str(value or ""), size) if size else value
    return value


def follow_schema(body: dict) -> Reply:
    """A model that is given only the schema for counts and lengths: the careful listing (write_listing), with
    every array and string made exactly as long as the schema it received allows."""
    reply = json.loads(write_listing(body))
    return Reply(json.dumps(at_the_limits(reply, request_schema(body)), ensure_ascii=False))


def completion(body: dict, content: str, usage: bool = True) -> dict:
    """A chat.completion payload answering a request body with `content` (usage: about 4 characters a token)."""
    payload = {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body["model"],
               "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}
    if usage:
        prompt = sum(len(m["content"]) for m in body["messages"]) // 4
        payload["usage"] = {"prompt_tokens": prompt, "completion_tokens": len(content) // 4,
                            "total_tokens": prompt + len(content) // 4}
    return payload


def respond(body: dict, reply: Reply) -> tuple[int, dict]:
    """The HTTP status and JSON payload of a scripted reply to a chat request (content None: write_listing's)."""
    if reply.status != 200:
        return reply.status, {"error": {"message": reply.error or "error"}}
    try:
        content = reply.content if reply.content is not None else write_listing(body)
    except (KeyError, ValueError, IndexError) as error:  # a prompt it cannot read: say so
        return 500, {"error": {"message": f"fake model cannot read the prompt: {error!r}"}}
    return 200, completion(body, content, reply.usage)


def run_batch(input_path: Path, output_path: Path, script: Script | None = None) -> int:
    """Answer a batch input file offline as `vllm run-batch -i INPUT -o OUTPUT --model NAME` does: one output
    line per request, in order, {"id", "custom_id", "response": {"status_code", "request_id", "body"},
    "error": null}. Each request gets `script` (a Reply, or a function of the body), by default a listing
    written from the prompt. Returns the number of lines written."""
    lines = []
    for number, raw in enumerate(Path(input_path).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        request = json.loads(raw)
        reply = script(request["body"]) if callable(script) else (script or Reply())
        status, payload = respond(request["body"], reply)
        lines.append({"id": f"vllm-{number:032x}", "custom_id": request["custom_id"],
                      "response": {"status_code": status, "request_id": f"vllm-batch-{number:032x}",
                                   "body": payload},
                      "error": None})
    Path(output_path).write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                                 encoding="utf-8")
    return len(lines)


def _form(content_type: str, data: bytes) -> dict[str, tuple[str, bytes]]:
    """The fields of a multipart/form-data body: name → (file name, content)."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + data)
    form = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]  # an EmailMessage under the HTTP policy
        name = part.get_param("name", header="content-disposition")
        form[str(name)] = (part.get_filename() or "", part.get_payload(decode=True) or b"")
    return form


class FakeOpenAI:
    """The server: `url` for OPENAI_BASE_URL; `requests` holds every chat request body received, in order."""

    def __init__(self, models: tuple[str, ...] = ("test-model",), api_key: str = ""):
        self.models = list(models)
        self.api_key = api_key
        self.script: list[Script] = []  # consumed first, in order
        self.default: Script = Reply()
        self.latency = 0.0
        self.tokens_per_second = 0.0  # streamed replies: how fast a model writes (0: at once)
        self.stream = True  # False: a server that ignores stream=true and answers with one JSON body
        self.stream_options = True  # False: a server that refuses stream_options (HTTP 400)
        self.refuse = ""  # "schema": HTTP 500 to json_schema (llama.cpp); "json": 400 to json_schema and json_object
        self.page: bytes | None = None  # every request answered with this, HTTP 200 text/html (a proxy's login page)
        self.strict = True  # refuse (400) a strict json_schema with what OpenAI's strict mode does not support
        self.requests: list[dict] = []
        self.files: dict[str, dict] = {}  # the Batch API's files by id ("data": the bytes)
        self.batches: dict[str, dict] = {}
        self.batch_requests: list[dict] = []  # the chat request bodies batches held, in the order answered
        self.batch_hold = 0  # status polls a batch stays in_progress before it is answered
        self.arrivals: list[float] = []  # time.monotonic() of each chat request
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        # a provider's rate limits, counted over the requests accepted in a sliding window (0: no limit);
        # a request over one gets HTTP 429 with Retry-After, the seconds until the window has room for it
        self.rpm = 0  # requests per window
        self.tpm = 0  # tokens per window: prompt + completion, counted as `usage` counts them
        self.window = 60.0  # seconds
        self.throttled = 0  # HTTP 429s sent (rate limits and scripted ones)
        self._accepted: list[list[float]] = []  # [arrival, tokens] of each request the limits let through
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def products(self) -> list[str]:
        """The product names the chat requests were about, in order (repair requests included)."""
        return [prompt_parts(body)[1]["product"]["name"] for body in self.requests]

    def _admit(self, prompt: int) -> list[float] | tuple[float, str]:
        """Count a request under the rate limits (its window entry, to add the completion's tokens to),
        or (seconds until the window has room for it, which limit) when it is over one."""
        with self.lock:
            now = time.monotonic()
            self._accepted = [entry for entry in self._accepted if entry[0] > now - self.window]
            wait, over = 0.0, ""
            if self.rpm and len(self._accepted) >= self.rpm:
                wait, over = self._accepted[-self.rpm][0] + self.window - now, f"requests per min (RPM): {self.rpm}"
            used = sum(entry[1] for entry in self._accepted)
            if self.tpm and used + prompt > self.tpm:
                over = f"tokens per min (TPM): {self.tpm}"
                freed = self.window  # a prompt larger than the limit never fits
                for arrival, tokens in self._accepted:  # the oldest leave the window first
                    used -= tokens
                    if used + prompt <= self.tpm:
                        freed = arrival + self.window - now
                        break
                wait = max(wait, freed)
            if over:
                return max(wait, 0.001), over
            entry = [now, float(prompt)]
            self._accepted.append(entry)
            return entry

    def _reply_for(self, body: dict) -> Reply:
        with self.lock:
            script = self.script.pop(0) if self.script else self.default
        reply = script(body) if callable(script) else script
        kind = (body.get("response_format") or {}).get("type")
        if self.strict and kind == "json_schema" and body["response_format"]["json_schema"].get("strict"):
            problems = strict_problems(body["response_format"]["json_schema"]["schema"])
            if problems:  # as OpenAI refuses a strict schema outside its subset
                return Reply(status=400, error=f"Invalid schema for response_format: {'; '.join(problems[:3])}")
        if self.refuse == "schema" and kind == "json_schema":
            return Reply(status=500, error="failed to parse grammar: unsupported JSON schema")
        if self.refuse == "json" and kind in ("json_schema", "json_object"):
            return Reply(status=400, error=f"response_format type {kind} is not supported")
        return reply

    # the Batch API: a batch is answered on the first status poll after `batch_hold` polls, line by line with
    # the replies a chat request would get (script, default, refuse); no latency, no rate limits
    def upload(self, filename: str, purpose: str, data: bytes) -> dict:
        with self.lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                                   "filename": filename, "purpose": purpose, "status": "processed", "data": data}
        return {k: v for k, v in self.files[file_id].items() if k != "data"}

    def create_batch(self, request: dict) -> tuple[int, dict]:
        if request.get("input_file_id") not in self.files:
            return 404, {"error": {"message": f"No such File object: {request.get('input_file_id')}"}}
        if request.get("endpoint") != "/v1/chat/completions" or request.get("completion_window") != "24h":
            return 400, {"error": {"message": "endpoint must be /v1/chat/completions and completion_window 24h"}}
        now = int(time.time())
        with self.lock:
            batch_id = f"batch_{len(self.batches) + 1}"
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": request["endpoint"], "errors": None,
                "input_file_id": request["input_file_id"], "completion_window": "24h", "status": "validating",
                "output_file_id": None, "error_file_id": None, "created_at": now, "in_progress_at": None,
                "expires_at": now + 86400, "finalizing_at": None, "completed_at": None, "failed_at": None,
                "expired_at": None, "cancelling_at": None, "cancelled_at": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0}, "metadata": request.get("metadata")}
        return 200, self.batches[batch_id]

    def poll_batch(self, batch_id: str) -> tuple[int, dict]:
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, {"error": {"message": f"No batch found with id '{batch_id}'."}}
        if batch["status"] in ("validating", "in_progress"):
            if self.batch_hold > 0:
                self.batch_hold -= 1
                batch.update(status="in_progress", in_progress_at=batch["in_progress_at"] or int(time.time()))
            else:
                self._answer_batch(batch)
        return 200, batch

    def _answer_batch(self, batch: dict) -> None:
        data = self.files[batch["input_file_id"]]["data"].decode("utf-8")
        requests = [json.loads(raw) for raw in data.splitlines() if raw.strip()]
        done, failed = [], []
        for number, request in enumerate(requests, 1):
            body = request["body"]
            with self.lock:
                self.batch_requests.append(body)
            if body.get("model") not in self.models:
                status, payload = 404, {"error": {"message": f"The model `{body.get('model')}` does not exist"}}
            else:
                status, payload = respond(body, self._reply_for(body))
            line = {"id": f"batch_req_{number}", "custom_id": request["custom_id"],
                    "response": {"status_code": status, "request_id": f"req_{number}", "body": payload}, "error": None}
            (done if status == 200 else failed).append(line)
        for key, lines in (("output_file_id", done), ("error_file_id", failed)):
            if lines:
                text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
                batch[key] = self.upload(f"{batch['id']}_{key[:-8]}.jsonl", "batch_output", text.encode())["id"]
        batch.update(status="completed", completed_at=int(time.time()),
                     request_counts={"total": len(requests), "completed": len(done), "failed": len(failed)})

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, payload: dict | bytes, headers: dict[str, str] | None = None,
                      drip: float = 0.0) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    if status == 429:
                        with server.lock:
                            server.throttled += 1
                    kind = "text/html" if isinstance(payload, bytes) else "application/json"
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    if not drip:
                        self.wfile.write(data)
                        return
                    for byte in data:  # a byte at a time, never silent for long
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(drip)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): as a real server would, carry on

            def _stream(self, body: dict, content: str, reply: Reply) -> None:
                """The reply as server-sent events: one chunk per token at the reply's (or server's) tokens per second,
                then, when asked for (stream_options include_usage), a last chunk with the usage, then [DONE]."""
                count = reply.tokens or max(1, math.ceil(len(content) / 4))
                size = len(content) / count
                pieces = [content[round(i * size):round((i + 1) * size)] for i in range(count)]
                rate = reply.tokens_per_second or server.tokens_per_second
                prompt = sum(len(m["content"]) for m in body["messages"]) // 4

                def event(choices: list, usage: dict | None = None) -> bytes:
                    chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
                             "model": body["model"], "choices": choices, **({"usage": usage} if usage else {})}
                    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()

                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Cache-Control", "no-cache")
                    self.end_headers()
                    for _ in range(reply.pings):
                        self.wfile.write(b": ping\n\n")
                        self.wfile.flush()
                        time.sleep(1)
                    began = time.monotonic()
                    for number, piece in enumerate(pieces):
                        if rate:  # the n-th token at n / rate seconds, whatever sleep() oversleeps
                            time.sleep(max(0.0, began + number / rate - time.monotonic()))
                        delta = {"role": "assistant", "content": piece} if number == 0 else {"content": piece}
                        self.wfile.write(event([{"index": 0, "delta": delta, "finish_reason": None}]))
                        self.wfile.flush()
                    self.wfile.write(event([{"index": 0, "delta": {}, "finish_reason": "stop"}]))
                    if (body.get("stream_options") or {}).get("include_usage") and reply.usage:
                        usage = reply.usage_values if reply.usage_values is not None else {
                            "prompt_tokens": prompt, "completion_tokens": count, "total_tokens": prompt + count}
                        self.wfile.write(event([], usage))
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout)

            def _page(self) -> bool:
                """Answer with the server's page, if it has one (True: answered)."""
                if server.page is None:
                    return False
                self._send(200, server.page)
                return True

            def _authorized(self) -> bool:
                if server.api_key and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    given = (self.headers.get("Authorization") or "")[7:]
                    masked = given[:3] + "*" * 10 + given[-4:]
                    self._send(401, {"error": {"message": f"Incorrect API key provided: {masked}.",
                                               "type": "invalid_request_error", "code": "invalid_api_key"}})
                    return False
                return True

            def do_GET(self) -> None:
                if self._page() or not self._authorized():
                    return
                path = self.path.rstrip("/")
                if path == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": m, "object": "model", "created": 0,
                                                                 "owned_by": "test"} for m in server.models]})
                elif path.startswith("/v1/batches/"):
                    self._send(*server.poll_batch(path.rsplit("/", 1)[1]))
                elif re.fullmatch(r"/v1/files/[^/]+/content", path) and path.split("/")[3] in server.files:
                    data = server.files[path.split("/")[3]]["data"]
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def _batch_api(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if not self._authorized():
                    return
                if self.path.rstrip("/") == "/v1/files":
                    form = _form(self.headers.get("Content-Type", ""), data)
                    if "file" not in form:
                        self._send(400, {"error": {"message": "'file' is a required property"}})
                        return
                    filename, content = form["file"]
                    self._send(200, server.upload(filename, form.get("purpose", ("", b""))[1].decode(), content))
                elif self.path.rstrip("/") == "/v1/batches":
                    self._send(*server.create_batch(json.loads(data or b"{}")))
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                if self.path.rstrip("/") in ("/v1/files", "/v1/batches"):
                    self._batch_api()
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self._page() or not self._authorized():
                    return
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                with server.lock:
                    server.requests.append(body)
                    server.arrivals.append(time.monotonic())
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    if body.get("stream_options") is not None and not server.stream_options:
                        self._send(400, {"error": {"message": "Unrecognized request argument supplied: stream_options"}})
                        return
                    if body.get("model") not in server.models:
                        self._send(404, {"error": {"message": f"The model `{body.get('model')}` does not exist",
                                                   "code": "model_not_found"}})
                        return
                    prompt = sum(len(m["content"]) for m in body["messages"]) // 4
                    admitted = server._admit(prompt)
                    if isinstance(admitted, tuple):
                        wait, over = admitted
                        self._send(429, {"error": {
                            "message": f"Rate limit reached for {body['model']} on {over}. Please try again in "
                                       f"{wait:.3f}s.", "type": over.split()[0], "param": None,
                            "code": "rate_limit_exceeded"}},
                            {"Retry-After": str(math.ceil(wait)), "retry-after-ms": str(math.ceil(wait * 1000))})
                        return
                    reply = server._reply_for(body)
                    time.sleep(server.latency + reply.delay)
                    if reply.status != 200:
                        error = {"message": reply.error or "error", **({"code": reply.code} if reply.code else {})}
                        self._send(reply.status, {"error": error}, reply.headers)
                        return
                    if reply.raw is not None:
                        self._send(200, reply.raw, drip=reply.drip)
                        return
                    try:
                        content = reply.content if reply.content is not None else write_listing(body)
                    except (KeyError, ValueError, IndexError) as error:  # a prompt it cannot read: say so
                        self._send(500, {"error": {"message": f"fake model cannot read the prompt: {error!r}"}})
                        return
                    if reply.echo:
                        content = content.replace("{authorization}", self.headers.get("Authorization") or "")
                    with server.lock:
                        admitted[1] += len(content) // 4
                    if body.get("stream") and server.stream and not reply.drip:
                        self._stream(body, content, reply)
                        return
                    rate = reply.tokens_per_second or server.tokens_per_second
                    if rate:  # not streamed: the whole answer once written, silent until then
                        time.sleep((reply.tokens or math.ceil(len(content) / 4)) / rate)
                    payload = {"id": "chatcmpl-test", "object": "chat.completion", "created": 0,
                               "model": body["model"],
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": content}}]}
                    if reply.usage:
                        payload["usage"] = {"prompt_tokens": prompt, "completion_tokens": len(content) // 4,
                                            "total_tokens": prompt + len(content) // 4}
                    if reply.usage_values is not None:
                        payload["usage"] = reply.usage_values
                    self._send(200, payload, reply.headers, reply.drip)
                finally:
                    with server.lock:
                        server.in_flight -= 1

        return Handler
