"""The reporting side of bench/compare.sh: reads the load tool's JSON
summaries (one file per run, in the script's work folder) and prints one
run's line, says whether a saturation step was healthy, writes the
saturation steps for internal/benchplot, and prints the final table with
the ratios to the targets.

  python3 bench/report.py line OUT LOGTAIL [RATE]
  python3 bench/report.py healthy OUT
  python3 bench/report.py saturation WORK RATES CLIENTS MACHINE CONFIG...
  python3 bench/report.py table WORK RATES CONFIG...

A CONFIG is "SERVER PROTOCOL" (e.g. "ours v2"); RATES the saturation
rates, space-separated, in the order they were run.
"""
import json
import os
import sys

LABELS = {
    "ours-v1": "this server, v1 (one message per frame)",
    "ours-v2": "this server, v2 (batched frames)",
    "gorilla-lines": "gorilla examples/chat",
    "centrifugo-centrifugo": "Centrifugo v6.9.1",
}
PRESENCE = {
    "ours": "yes: joins, leaves, user list (defaults)",
    "gorilla": "none",
    "centrifugo": "off (per-channel options, not enabled)",
}
FAILED = {"scenario": "failed", "protocol": "-", "connected": 0, "clients": 0, "failed_clients": 1,
          "connect_failures": 0, "lost": 1, "latency_ms": {"P50": 0, "P90": 0, "P99": 0, "Max": 0}}


def get(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def healthy(s):
    """A run the server came through: nothing lost, no client lost, p99 <= 1 s."""
    return bool(s) and s["lost"] == 0 and s["failed_clients"] + s["connect_failures"] == 0 \
        and s.get("not_joined", 0) == 0 and s["latency_ms"]["P99"] <= 1000


def line(out, logtail, rate=0):
    """Prints one run's line (rate: the talks/s asked, for a fanout run);
    a run that printed no summary is recorded as failed."""
    s = get(out)
    if s is None:
        print("   the load tool printed no summary: %s" % logtail)
        with open(out, "w") as f:
            json.dump(FAILED, f)
        return
    parts = ["%d/%d connected, %d failed" % (s["connected"], s["clients"], s["failed_clients"] + s["connect_failures"])]
    if s["scenario"] in ("seed", "fanout"):
        secs = max(s.get("duration_s", 0), 1e-9)
        parts.append("deliveries %.0f/s, lost %d%s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %.1f msgs/frame" % (
            s.get("deliveries_per_s", 0), s["lost"],
            " (refused %d)" % s["talks_refused"] if s.get("talks_refused") else "",
            s["latency_ms"]["P50"], s["latency_ms"]["P99"], s["latency_ms"]["Max"],
            s.get("deliveries", 0) / max(1, s.get("frames", 0))))
        if s["scenario"] == "fanout" and rate:
            parts.append("sent %.0f%% of the rate" % (100 * s.get("talks_sent", 0) / secs / rate))
        parts.append("server CPU %.2f s/M (%.2f cores), tool CPU %.2f s/M" % (
            s.get("server_cpu_s_per_m_deliveries", 0), s.get("server_cpu_s", 0) / secs,
            s.get("loadtest_cpu_s_per_m_deliveries", 0)))
    if s["scenario"] == "idle":
        parts.append(joined(s))
        parts.append("RSS/conn %.1f KiB total, %.1f KiB growth" % (rss_total(s), s.get("server_rss_per_conn_kib", 0)))
    if s["scenario"] == "connect":
        parts.append("%.0f sessions/s, handshake p99 %.1f ms" % (s.get("connects_per_s", 0), s["handshake_ms"]["P99"]))
    errors = s.get("errors") or {}
    if errors:
        parts.append("errors: " + "; ".join("%dx %s" % (n, k) for k, n in sorted(errors.items())[:3]))
    print("   %s %s: %s" % (s["scenario"], s["protocol"], ", ".join(parts)))


def steps(work, key, rates):
    """The saturation steps run for one config, in order."""
    out = []
    for r in rates:
        s = get(os.path.join(work, "r2-%s-%s.json" % (key, r)))
        if s is None:
            break
        out.append((float(r), s))
    return out


def peak(work, key, rates):
    """The best healthy step (rate, summary), whether the server broke, and at which rate."""
    best, broke_at = None, None
    for r, s in steps(work, key, rates):
        if healthy(s):
            if best is None or s["deliveries_per_s"] > best[1]["deliveries_per_s"]:
                best = (r, s)
        else:
            broke_at = r
    return best, broke_at


def saturation(work, rates, clients, machine, configs):
    """The steps of every config, as internal/benchplot reads them."""
    servers = []
    for c in configs:
        key = c.replace(" ", "-")
        servers.append({"name": LABELS.get(key, c), "steps": [{
            "rate": r, "offered_per_s": r * clients, "delivered_per_s": s.get("deliveries_per_s", 0),
            "sent_per_s": s.get("talks_sent", 0) / max(s.get("duration_s", 0), 1e-9),
            "p99_ms": s["latency_ms"]["P99"], "healthy": healthy(s),
            "server_cpu_s_per_m": s.get("server_cpu_s_per_m_deliveries", 0),
            "tool_cpu_s_per_m": s.get("loadtest_cpu_s_per_m_deliveries", 0),
        } for r, s in steps(work, key, rates)]})
    json.dump({"clients": clients, "machine": machine, "servers": servers}, sys.stdout, indent=1)
    print()


def joined(s):
    """How long an idle run's users took to connect and join, or why not all did."""
    if s.get("all_joined_s"):
        return "all joined after %.2f s" % s["all_joined_s"]
    return "not all joined: %d failed to connect, %d had no join" % (s["connect_failures"], s.get("not_joined", 0))


def rss_total(s):
    """The server's whole RSS at the end of an idle run, per connection (KiB):
    the issue's measure; server_rss_per_conn_kib is the growth per connection.
    One process reads it at the end of the hold, several half way through."""
    if not s.get("server_rss_mib"):
        return 0
    return s["server_rss_mib"][1 if s.get("processes", 1) > 1 else 2] * 1024 / max(1, s["connected"])


def cells(work, rates, key):
    """One row of the table: the config's cells, and its numbers for the targets."""
    server = key.split("-")[0]
    r1 = get(os.path.join(work, "r1-%s.json" % key))
    best, broke_at = peak(work, key, rates)
    ran = steps(work, key, rates)
    once = key in ("ours-v1", "gorilla-lines", "centrifugo-centrifugo")
    r3 = get(os.path.join(work, "r3-%s.json" % server)) if once else None
    r4 = get(os.path.join(work, "r4-%s.json" % server)) if once else None
    if best:
        bound = "" if broke_at else ">= "  # never broke: the peak is a lower bound
        peak_cell = "%s%.2f M (%.0f talks/s, p99 %.0f ms, tool %.2f s/M)" % (
            bound, best[1]["deliveries_per_s"] / 1e6, best[0], best[1]["latency_ms"]["P99"],
            best[1].get("loadtest_cpu_s_per_m_deliveries", 0))
    else:
        peak_cell = "none healthy (broke at %.0f talks/s)" % broke_at if ran else "-"
    row = [LABELS.get(key, key), PRESENCE[server],
           "%.1f / %.1f" % (r1["latency_ms"]["P50"], r1["latency_ms"]["P99"]) if r1 else "-",
           "%d (%d clients failed)" % (r1["lost"], r1["failed_clients"]) if r1 else "-",
           "%.2f / %.2f" % (r1.get("server_cpu_s_per_m_deliveries", 0), r1.get("loadtest_cpu_s_per_m_deliveries", 0)) if r1 else "-",
           peak_cell,
           "%.0f" % broke_at if broke_at else ("did not break" if ran else "-"),
           joined(r3) if r3 else "-",
           "%.1f / %.1f KiB" % (rss_total(r3), r3["server_rss_per_conn_kib"]) if r3 and r3.get("server_rss_per_conn_kib") else "-",
           "%.0f" % r4["connects_per_s"] if r4 and r4.get("connects_per_s") else "-"]
    nums = {"p99": r1["latency_ms"]["P99"] if healthy(r1) else None,
            "peak": best[1]["deliveries_per_s"] if best else 0,
            "broke": broke_at is not None,
            "join": r3.get("all_joined_s") if r3 and healthy(r3) else None,
            "rss": rss_total(r3) if r3 and healthy(r3) else None,
            "connect": r4.get("connects_per_s") if r4 else None}
    return row, nums


def table(work, rates, configs):
    """Prints the summary table, then ours against the others and the targets."""
    keys = [c.replace(" ", "-") for c in configs]
    print("| server | presence | 1: p50 / p99 ms | 1: lost | 1: server / tool CPU s per M deliveries "
          "| 2: peak deliveries/s (rate, p99, tool CPU at peak) | 2: broke at talks/s "
          "| 3: joined | 3: RSS per idle conn, total / growth | 4: sessions/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    nums = {}
    for key in keys:
        row, nums[key] = cells(work, rates, key)
        print("| " + " | ".join(row) + " |")
    ours = {k: v for k, v in nums.items() if k.startswith("ours")}
    if not ours:
        return
    print()
    for other, label in (("gorilla-lines", "gorilla's"), ("centrifugo-centrifugo", "Centrifugo's")):
        if other in nums:
            compare(ours, nums[other], label, other == "gorilla-lines")


def compare(ours, theirs, label, peak_target):
    """Prints this server's numbers against one other server's, column by column."""
    ours_broke = all(v.get("broke") for v in ours.values())

    def best(col, pick):
        vals = [v[col] for v in ours.values() if v.get(col)]
        return pick(vals) if vals else None
    parts = []
    for col, pick, lower, what in (("p99", min, True, "p99 at 1"), ("peak", max, False, "peak at 2"),
                                   ("join", min, True, "all joined at 3"), ("rss", min, True, "total RSS per idle conn at 3"),
                                   ("connect", max, False, "sessions/s at 4")):
        a, b = best(col, pick), theirs.get(col)
        if a is None:
            parts.append("%s: ours not measured or failed" % what)
        elif not b:
            parts.append("%s: %s failed or not measured (ours %.4g): ahead" % (what, label, a))
        else:
            verdict = "even" if a == b else "ahead" if (a < b if lower else a > b) else "BEHIND"
            target = " (target >= 2)" if col == "peak" and peak_target else ""
            bound = ""  # a server that never broke has a peak of at least its number
            if col == "peak" and not ours_broke:
                bound += " (ours did not break: raise RATES)"
            if col == "peak" and not theirs.get("broke"):
                bound += " (%s did not break: raise RATES)" % label.rstrip("'s")
            parts.append("%s = %.2f x %s%s: %s%s" % (what, a / b, label, target, verdict, bound))
    print("ours against %s: %s" % (label, "; ".join(parts)))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "line" and len(argv) in (4, 5):
        line(argv[2], argv[3], float(argv[4]) if len(argv) == 5 else 0)
    elif cmd == "healthy" and len(argv) == 3:
        return 0 if healthy(get(argv[2])) else 1
    elif cmd == "saturation" and len(argv) >= 6:
        saturation(argv[2], argv[3].split(), int(argv[4]), argv[5], argv[6:])
    elif cmd == "table" and len(argv) >= 4:
        table(argv[2], argv[3].split(), argv[4:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
