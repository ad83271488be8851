"""The benchmark's summaries and Markdown (no Django tree is run)."""

import socket

import pytest
from forktool import bench


def load_run(req_per_s, statuses=None, errors=None, unfinished=0, loop=None):
    statuses = statuses or {"200": 10}
    run = {
        "requests": sum(statuses.values()),
        "req_per_s": req_per_s,
        "p50_ms": 10.0,
        "p99_ms": 20.0,
        "statuses": statuses,
        "non_200": sum(v for k, v in statuses.items() if k != "200"),
        "connection_errors": errors or {},
        "unfinished": unfinished,
    }
    if loop:
        run["loop"] = loop
    return run


def test_spread_of_ratios():
    assert bench.spread([]) == {"ratios": []}
    one = bench.spread([1.1])
    assert (one["ratio_min"], one["ratio_q1"], one["ratio_max"]) == (1.1, 1.1, 1.1)
    five = bench.spread([1.2, 0.8, 1.0, 0.9, 1.1])
    assert five["ratios"] == [0.8, 0.9, 1.0, 1.1, 1.2]
    assert (five["ratio_min"], five["ratio_max"]) == (0.8, 1.2)
    assert (five["ratio_q1"], five["ratio_q3"]) == pytest.approx((0.9, 1.1))


def test_summarize_has_median_and_spread_of_per_run_ratios():
    runs = {
        "upstream": [
            {"req_per_s": r, "p50_ms": 1.0, "p99_ms": 2.0} for r in (100,) * 5
        ],
        "fork": [
            {"req_per_s": r, "p50_ms": 1.0, "p99_ms": 2.0}
            for r in (90, 100, 105, 110, 130)
        ],
    }
    row = bench.summarize("plain/db/logged_in", runs)
    assert row["ratio"] == pytest.approx(1.05)
    assert (row["ratio_min"], row["ratio_max"]) == pytest.approx((0.9, 1.3))
    assert bench.ratio_spread(row) == "0.90–1.30 (IQR 1.00–1.10, n=5)"
    markdown = "".join(
        bench.render_requests("Sync path (WSGI)", "note\n", [row], False)
    )
    assert "| ratio | ratio spread |" in markdown
    assert "| 1.05 | 0.90–1.30 (IQR 1.00–1.10, n=5) |" in markdown
    # Load runs only: no failure counts for in-process runs.
    assert "errors" not in row["fork"]


def test_summarize_counts_failed_requests_and_loop_gaps():
    loop = {"gap_max_ms": 40.0, "gap_p99_ms": 9.0, "ticks": 100}
    runs = {
        "upstream": [
            load_run(50.0, {"200": 198, "500": 2}, loop=loop),
            load_run(70.0, errors={"ConnectionResetError": 1}, unfinished=3),
        ],
        "fork": [load_run(60.0, loop=dict(loop, gap_max_ms=80.0)), load_run(70.0)],
    }
    row = bench.summarize("plain/cache/logged_in", runs)
    upstream, fork = row["upstream"], row["fork"]
    assert upstream["errors"] == 6
    assert upstream["statuses"] == {"200": 208, "500": 2}
    assert bench.failures(upstream) == ("500×2, ConnectionResetError×1, unanswered×3")
    assert fork["errors"] == 0
    assert (fork["loop_gap_max_ms"], fork["loop_ticks"]) == (80.0, 100)
    assert bench.errors_cell(fork) == "0"
    assert bench.errors_cell(upstream).startswith("**6** (500×2")


def test_render_services():
    runs = {
        "upstream": [
            load_run(
                50.0,
                {"200": 199, "500": 1},
                loop={"gap_max_ms": 40.0, "gap_p99_ms": 9.0, "ticks": 100},
            )
        ],
        "fork": [
            load_run(60.0, loop={"gap_max_ms": 20.0, "gap_p99_ms": 5.0, "ticks": 120})
        ],
    }
    row = bench.summarize("plain/cache/logged_in", runs)
    row["concurrency"] = 200
    cell = {"hops": 17, "queries": 1, "status": 200}
    services = {
        "postgresql": "127.0.0.1:1",
        "redis": "127.0.0.1:2",
        "databases": {"upstream": {"postgresql": "bench_upstream", "redis": 1}},
        "hops": [
            {
                "engine": "cache",
                "auth": auth,
                "view": "plain",
                "upstream": cell,
                "fork": dict(cell, hops=4),
            }
            for auth in ("anonymous", "logged_in")
        ],
        "throughput": [row],
        "server_errors": [
            {
                "scenario": "plain/cache/logged_in",
                "tree": "upstream",
                "error": "OperationalError: too many clients",
                "count": 1,
            }
        ],
    }
    markdown = "".join(bench.render_services(services))
    assert "| cache | 17 → 4 | 1 → 1 | 17 → 4 | 1 → 1 |" in markdown
    assert "| cache | 200 | 50.0 | 60.0 | 1.20 |" in markdown
    assert "| **1** (500×1) | 0 |" in markdown
    assert "| cache | 200 | 40.0 → 20.0 | 9.0 → 5.0 | 100 → 120 |" in markdown
    assert "`OperationalError: too many clients`" in markdown
    assert "Not run" in "".join(bench.render_services({}))


def test_server_errors_keeps_the_outermost_exception_of_each_traceback(tmp_path):
    log = tmp_path / "server.log"
    log.write_text(
        "Internal Server Error: /a/plain/\n"
        "Traceback (most recent call last):\n"
        "psycopg.OperationalError: too many clients\n"
        "The above exception was the direct cause of the following exception:\n"
        "django.db.utils.OperationalError: too many clients\n"
        "Internal Server Error: /a/plain/\n"
        "redis.exceptions.ConnectionError: Too many connections\n"
    )
    assert bench.server_errors(log) == {
        "django.db.utils.OperationalError: too many clients": 1,
        "redis.exceptions.ConnectionError: Too many connections": 1,
    }
    assert bench.server_errors(tmp_path / "missing.log") == {}


def test_services_are_skipped_when_their_ports_do_not_answer(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("FORK_POSTGRESQL_PORT", str(closed))
    monkeypatch.setenv("FORK_REDIS_PORT", str(closed))
    missing = bench.services_missing("python-not-run")
    assert missing.startswith(f"PostgreSQL on 127.0.0.1:{closed} and Redis")
    assert "not answering" in missing


def test_services_phase_is_selectable_and_in_both_modes():
    assert bench.Plan(False, only=["services"]).phases == ["services"]
    assert "services" in bench.Plan(False).phases
    assert "services" in bench.Plan(True).phases
    assert bench.Plan(False).wsgi_repeats == 5


def test_options_show_hops_queries_saves_and_missing_options():
    cells = [
        {
            "option": "sync reads, eager load",
            "engine": "db",
            "auth": "logged_in",
            "fork": {"status": 200, "hops": 3, "queries": 2, "saved": False},
        },
        {
            "option": "session read, SESSION_SAVE_EVERY_REQUEST",
            "engine": "db",
            "auth": "logged_in",
            "upstream": {"status": 200, "hops": 17, "queries": 4, "saved": True},
            "fork": {"status": 500, "hops": 2, "queries": 1, "saved": False},
        },
    ]
    markdown = "".join(bench.render_options(cells))
    assert "| sync reads, eager load | db | — | — | — | 3 / 2 |" in markdown
    assert (
        "| session read, SESSION_SAVE_EVERY_REQUEST | db | — | 17 / 4 saved | — "
        "| 500 |" in markdown
    )
