"""A verl reward function that asks `harness serve` for verdicts (docs/serve.md).

In verl's configuration (`custom_reward_function`, or `reward.custom_reward_function` in newer
releases):

    custom_reward_function.path=examples/verl_reward.py
    custom_reward_function.name=compute_score        # per-sample reward managers
    # with reward_model.reward_manager=batch, one request per batch:
    custom_reward_function.name=compute_score_batch

`ground_truth` names the task: its name or task id in the server's --tasks, or the task itself
as JSON ({"header": ..., "formal_statement": ...}). `solution_str` is the model's response; if
`extra_info` holds the prompt under "prompt", the server removes it first. The server is at
HARNESS_SERVE_URL (default http://127.0.0.1:8000); HARNESS_SERVE_KEY is sent as a bearer key
when set. Standard library only.
"""

import json
import os
import time
import urllib.error
import urllib.request

_URL = os.environ.get("HARNESS_SERVE_URL", "http://127.0.0.1:8000").rstrip("/")
_KEY = os.environ.get("HARNESS_SERVE_KEY", "")
_TIMEOUT_S = float(os.environ.get("HARNESS_SERVE_TIMEOUT", "600"))
_RETRIES = 5


def _post(path, body):
    """POSTs JSON and returns the decoded answer; retries 429, 503 and lost connections."""
    data = json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if _KEY:
        headers["Authorization"] = "Bearer " + _KEY
    for attempt in range(_RETRIES):
        request = urllib.request.Request(_URL + path, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as answer:
                return json.loads(answer.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            if e.code not in (429, 503) or attempt + 1 == _RETRIES:
                raise RuntimeError("harness serve answered %d: %s" % (e.code, e.read().decode()))
            time.sleep(float(e.headers.get("Retry-After", "1")))
        except (urllib.error.URLError, ConnectionError):
            if attempt + 1 == _RETRIES:
                raise
            time.sleep(1 + attempt)
    raise RuntimeError("unreachable")


def _label(ground_truth):
    if isinstance(ground_truth, (dict, list)):
        return json.dumps(ground_truth)
    return ground_truth


def _results(answer):
    rewards = answer["rewards"]
    return [
        {
            "score": float(rewards[i]),
            "verdict": answer["verdicts"][i],
            "decided_by": answer["decided_by"][i],
            "lean_pass": float(answer["extra_logs"]["lean_pass"][i]),
        }
        for i in range(len(rewards))
    ]


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    """verl's batch reward manager: one request for the whole batch, one dict per sample."""
    extra_infos = extra_infos or [None] * len(solution_strs)
    prompts = [(e or {}).get("prompt", "") if isinstance(e, dict) else "" for e in extra_infos]
    body = {
        "query": [p + s for p, s in zip(prompts, solution_strs)],
        "prompts": prompts,
        "labels": [_label(g) for g in ground_truths],
    }
    return _results(_post("/reward", body))


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's per-sample reward function: {"score": 1.0 for a pass of the task, else 0.0, ...}."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info])[0]
