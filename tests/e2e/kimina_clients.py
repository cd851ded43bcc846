"""Kimina Lean Server's Python clients, as they behave on the wire, against `harness serve`.

Kimina's clients are not packaged for Debian, so this file re-creates what each one does on
the wire, as docs/serve-clients.md (section 1.4) records it from their sources: the same
libraries (aiohttp, httpx, tenacity, from Debian's python3-* packages), URLs, headers, request
bodies, batching, retries and the reading of the answers. It is not their code.

    python3 kimina_clients.py URL SCENARIO

SCENARIO is `lean4client` (the original Lean4Client over /verify), `kimina_client` (the current
KiminaClient over /api/check), `retries` (KiminaClient against a server whose queue is tiny:
429s must be retried until every snippet has its answer), or `auth` (both clients with a key
from the environment). Prints one JSON object (what the client got, read as its users read it)
and exits 0; any exception is a failure.
"""

import asyncio
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from urllib.parse import urljoin

import aiohttp
import httpx
from tenacity import AsyncRetrying, RetryError, Retrying, stop_after_attempt, wait_exponential


# The proofs every scenario sends, and what Kimina's readers must make of each.
PROOFS = {
    "ok": "theorem ok : True := by\n  trivial\n",
    "type_error": "theorem te : True := by\n--! error type mismatch\n  trivial\n",
    "uses_sorry": "theorem us : True := by\n  sorry\n",
    # Lean alone accepts it; the harness's guard refuses it and must say so in `messages`.
    "cheat": "theorem ch : 2 + 2 = 4 := by native_decide\n",
    "slow_ok": "theorem so : True := by\n--! sleep 300\n  trivial\n",
}


# ---- The original Lean4Client (client/client.py): aiohttp, /verify ----------------------------

class OriginalLean4Client:
    def __init__(self, base_url, api_key=None):
        if api_key is None:
            api_key = os.getenv("LEANSERVER_API_KEY")
        self.url = base_url if "://" in base_url else "http://" + base_url
        self.api_key = api_key
        self.requests = 0
        asyncio.run(self._test_connection())

    async def _query(self, method, endpoint, json_data=None):
        # Every call retried on exceptions only (3 attempts, 1-10 s backoff); the status is
        # never looked at; a new session per request; `Bearer None` when there is no key.
        async for attempt in AsyncRetrying(stop=stop_after_attempt(3),
                                           wait=wait_exponential(multiplier=1, min=1, max=10)):
            with attempt:
                self.requests += 1
                headers = {"Content-Type": "application/json", "Accept": "application/json",
                           "Authorization": f"Bearer {self.api_key}"}
                async with aiohttp.ClientSession(trust_env=True,
                                                 timeout=aiohttp.ClientTimeout(total=3600)) as s:
                    async with s.request(method, urljoin(self.url, endpoint), headers=headers,
                                         json=json_data) as response:
                        return await response.json()

    async def _test_connection(self):
        try:
            result = await self._query("get", "/")
        except RetryError:
            raise Exception(f"The lean server {self.url} cannot be connected.")
        if result.get("status") != "ok":
            raise Exception(f"The lean server {self.url} cannot be available. {result}")

    async def async_verify(self, codes, timeout, infotree_type=None, disable_cache=False):
        return await self._query("post", "/verify", {"codes": codes, "timeout": timeout,
                                                     "infotree_type": infotree_type,
                                                     "disable_cache": disable_cache})

    def batch_verify_proof(self, samples, timeout=60, batch_size=8, num_proc=os.cpu_count()):
        ids = [s["custom_id"] for s in samples]
        assert len(ids) == len(set(ids)), "custom_id must be unique"
        batches = [samples[i:i + batch_size] for i in range(0, len(samples), batch_size)]

        async def run():
            gate = asyncio.Semaphore(num_proc)

            async def one(batch):
                async with gate:
                    return await self.async_verify(batch, timeout)

            results = []
            # In completion order, as the client gathers them.
            for done in asyncio.as_completed([one(b) for b in batches]):
                results.extend((await done)["results"])
            return results

        return asyncio.run(run())


def has_error_response(result, accept_sorry=False):
    """How the /verify consumers (proof_utils.py) read a result."""
    if result.get("error"):
        return True
    response = result.get("response") or {}
    for m in response.get("messages", []):
        if m.get("severity") == "error":
            return True
        if not accept_sorry and m.get("severity") == "warning" \
                and "declaration uses 'sorry'" in m.get("data", ""):
            return True
    return False


# ---- The current KiminaClient (kimina_client/sync_client.py): httpx, /api/check -----------------

class KiminaClient:
    def __init__(self, api_url=None, api_key=None, http_timeout=600, n_retries=3):
        self.api_url = api_url or os.getenv("LEAN_SERVER_API_URL") or "http://localhost:8000"
        api_key = api_key or os.getenv("LEAN_SERVER_API_KEY") or os.getenv("LEANSERVER_API_KEY")
        headers = {}
        if api_key:
            headers.setdefault("Authorization", f"Bearer {api_key}")
        self.session = httpx.Client(headers=headers, timeout=http_timeout)  # keep-alive pool
        self.n_retries = n_retries
        self.requests = 0
        self.statuses = []

    def build_url(self, path):
        return self.api_url.rstrip("/") + "/" + path.lstrip("/")

    def _query(self, path, body):
        # raise_for_status inside the retried call: every non-2xx is retried.
        try:
            for attempt in Retrying(stop=stop_after_attempt(self.n_retries),
                                    wait=wait_exponential(multiplier=1, min=1, max=10)):
                with attempt:
                    self.requests += 1
                    r = self.session.post(self.build_url(path), json=body)
                    self.statuses.append(r.status_code)
                    r.raise_for_status()
                    return r.json()
        except RetryError:
            raise RuntimeError(f"Request failed after {self.n_retries} retries")

    def api_check(self, snippets, timeout=60, debug=False, reuse=True, infotree=None, safe=True):
        body = {"snippets": snippets, "timeout": timeout, "debug": debug, "reuse": reuse,
                "infotree": infotree}
        try:
            return self._query("api/check", body)["results"]
        except Exception as e:
            if not safe:
                raise
            return [{"id": s["id"], "error": str(e)} for s in snippets]

    def check(self, snips, timeout=60, debug=False, reuse=True, infotree=None, batch_size=8,
              max_workers=5):
        batches = [snips[i:i + batch_size] for i in range(0, len(snips), batch_size)]
        results = []
        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            futures = [pool.submit(self.api_check, b, timeout, debug, reuse, infotree)
                       for b in batches]
            for f in as_completed(futures):
                results.extend(f.result())
        return results

    def health(self):
        r = self.session.get(self.build_url("health"))
        return r.json()


def analyze(result):
    """ReplResponse.analyze(): the status the current client gives a result."""
    error = result.get("error")
    if error:
        return "timeout_error" if "timed out" in error else "server_error"
    response = result.get("response") or {}
    if "message" in response:
        return "repl_error"
    if any(m.get("severity") == "error" for m in response.get("messages", [])):
        return "lean_error"
    if response.get("sorries"):
        return "sorry"
    return "valid"


# ---- The scenarios ------------------------------------------------------------------------------

def samples(copies):
    out = []
    for i in range(copies):
        for name, proof in PROOFS.items():
            out.append((f"{name}-{i}", name, proof))
    return out


def lean4client(url):
    # A path in the base URL is dropped by urljoin: the routes live at the root.
    client = OriginalLean4Client(url + "/ignored/prefix")
    sent = samples(4)
    results = client.batch_verify_proof([{"custom_id": cid, "proof": p} for cid, _, p in sent],
                                        timeout=60)
    return {"requests": client.requests,
            "read": {r["custom_id"]: {"has_error": has_error_response(r),
                                      "has_error_accepting_sorry":
                                          has_error_response(r, accept_sorry=True),
                                      "verdict": r.get("verdict")} for r in results},
            "kinds": {cid: kind for cid, kind, _ in sent}}


def kimina_client(url):
    client = KiminaClient(api_url=url)
    health = client.health()
    sent = samples(6)
    results = client.check([{"id": cid, "code": p} for cid, _, p in sent], timeout=60)
    return {"health": health, "requests": client.requests, "statuses": client.statuses,
            "read": {r["id"]: {"status": analyze(r), "verdict": r.get("verdict")}
                     for r in results},
            "kinds": {cid: kind for cid, kind, _ in sent}}


def retries(url):
    # A queue of a few snippets: concurrent batches get 429, which the client retries.
    client = KiminaClient(api_url=url, n_retries=8)
    sent = samples(4)
    results = client.check([{"id": cid, "code": p} for cid, _, p in sent], timeout=60,
                           batch_size=4, max_workers=6)
    return {"requests": client.requests, "statuses": client.statuses,
            "read": {r["id"]: {"status": analyze(r), "verdict": r.get("verdict")}
                     for r in results},
            "kinds": {cid: kind for cid, kind, _ in sent}}


def auth(url):
    # The key from each client's own environment variable.
    new = KiminaClient(api_url=url)
    new_results = new.check([{"id": "a", "code": PROOFS["ok"]}])
    old = OriginalLean4Client(url)
    old_results = old.batch_verify_proof([{"custom_id": "b", "proof": PROOFS["ok"]}])
    # Without the key: the new client turns the 401 into a per-snippet error after its retries.
    keyless = KiminaClient(api_url=url, n_retries=1)
    keyless.session.headers.pop("Authorization", None)
    refused = keyless.check([{"id": "c", "code": PROOFS["ok"]}])
    return {"new": analyze(new_results[0]), "old": has_error_response(old_results[0]),
            "keyless": refused[0].get("error", ""), "keyless_statuses": keyless.statuses}


if __name__ == "__main__":
    url, scenario = sys.argv[1], sys.argv[2]
    print(json.dumps({"lean4client": lean4client, "kimina_client": kimina_client,
                      "retries": retries, "auth": auth}[scenario](url)))
