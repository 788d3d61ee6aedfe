"""A real MCP client that is not Keystep's: the official Python SDK (`mcp` on PyPI).

The tests (tests/cli/mcp.rs) and the benchmark write a plan as JSON on standard input:

    {"command": "/path/keystep", "args": ["mcp", "--all"], "env": {...},
     "client_name": "Test Assistant", "calls": [{"tool": "list_people", "args": {...}}, ...]}

A call may take arguments from an earlier call's structured answer: `"from": {"cursor":
[0, "next_cursor"]}` sets `cursor` to results[0]'s `next_cursor` (a path of keys and
indexes); a call whose source is missing or null is skipped (its result is null).

and read one JSON object on standard output: the server's name and instructions, its tools
(name, description, input schema, annotations), and for each call whether it was an error,
its structured content, its text and how long it took (seconds, measured here). With
`"measure_server": true`, also the server process's resident memory after the calls
(`server_rss_kib`, `server_peak_kib`: VmRSS and VmHWM of the child this client started).
"""

import asyncio
import json
import os
import sys
import time

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client


async def main() -> None:
    plan = json.load(sys.stdin)
    server = StdioServerParameters(
        command=plan["command"], args=plan.get("args", []), env=plan.get("env")
    )
    out = {"results": []}
    started = time.perf_counter()
    async with stdio_client(server) as (read, write):
        info = types.Implementation(name=plan.get("client_name", "Test Assistant"), version="1.0")
        async with ClientSession(read, write, client_info=info) as session:
            init = await session.initialize()
            out["initialized_s"] = time.perf_counter() - started
            out["server"] = init.server_info.name
            out["instructions"] = init.instructions
            listed = await session.list_tools()
            out["tools"] = [
                {
                    "name": t.name,
                    "description": t.description,
                    "input_schema": t.input_schema,
                    "read_only": bool(t.annotations and t.annotations.read_only_hint),
                }
                for t in listed.tools
            ]
            for call in plan.get("calls", []):
                args = dict(call.get("args", {}))
                for name, path in call.get("from", {}).items():
                    value = out["results"][path[0]]
                    value = value and value["structured"]
                    for key in path[1:]:
                        value = None if value is None else value[key]
                    args[name] = value
                if any(v is None for v in args.values()):
                    out["results"].append(None)
                    continue
                t0 = time.perf_counter()
                result = await session.call_tool(call["tool"], args)
                took = time.perf_counter() - t0
                text = "".join(c.text for c in result.content if getattr(c, "type", "") == "text")
                out["results"].append(
                    {
                        "is_error": bool(result.is_error),
                        "structured": result.structured_content,
                        "text": text,
                        "seconds": took,
                    }
                )
                if plan.get("measure_server") and len(out["results"]) == len(plan.get("calls", [])):
                    out.update(server_memory())
    json.dump(out, sys.stdout)


def server_memory() -> dict:
    """VmRSS and VmHWM (KiB) of this process's child that runs the server."""
    me = str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if status.get("PPid", "").strip() == me:
            kib = lambda k: int(status.get(k, "0 kB").split()[0])
            return {"server_rss_kib": kib("VmRSS"), "server_peak_kib": kib("VmHWM")}
    return {}


asyncio.run(main())
