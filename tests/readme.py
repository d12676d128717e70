#!/usr/bin/env python3
"""readme.py - the commands and files of README.md, for tests/t/readme.t.

    readme.py README.md OUTDIR

The convention (also stated at the top of README.md's source):

- Every 4-space-indented code block holds commands, one per line. A line
  ending in `\\` or `|`, or with a quote still open, continues on the
  next. Blank lines and lines starting with `#` are skipped; `# ...` after
  a command is a comment.
- A block whose nearest non-blank line above is `<!-- not a command -->`
  is only shown (diagrams, listings, output).
- A block whose nearest non-blank line above is `<!-- file: NAME -->` is
  the content of the file NAME (a plain name, no directory), written into
  the working directory before any command runs.
- Fenced blocks (```) are refused: the convention is indented blocks.
- A command's first word must be one of KNOWN below, so that a block
  that is not a command but lacks its marker fails loudly instead of
  being run.

Writes OUTDIR/files/NAME for each file block, and for the N-th command
(from 1) OUTDIR/N.cmd (the command as written) and one line of
OUTDIR/index, tab-separated:

    N  LINE  MODE  FEEDS  OUT  CHECKS

MODE is `run` (runs to its end), `follow` (runs until stopped: fly-tail
on NATS, the log API or -F), `make` or `covered` (`make check`, the suite
this test belongs to). FEEDS, for follow: what input to give it (`nats`,
`api`, `events`, `file:NAME`), comma-separated, or `-`. OUT is the file
named by the last stage's `>`, or `-`: the checks look at it instead of
standard output. CHECKS, space-separated, say what the output must hold,
from the program of the last stage and its options (see checks()):

    records:TYPE   one record or more, every one JSON of that type (or a
                   type the stage passes through: gap, verify)
    lines          a line or more
    test-ok        `crashgrep --test` passed every example
    rule-from:F    a crash of a rule that file F defines
    backend:B      every diagnosis has backend B (B:MODEL for an LLM)
    report:DIR     DIR holds a Markdown report
    patch          a diagnosis carries a patch
    no-applied     no action was applied (a dry run)
    pr             a github.pr action applied, its branch on the remote
    machines       the fake Fly's machines of the app are listed
    exists:PATH    cp's copy is there
    demo           make demo's records, reports and audit log
    install:PREFIX the programs, rules and pages under DESTDIR/PREFIX
    fed:FEED       what was fed in (follow) came out at the end

Every command must also exit 0, every stage of a pipeline (follow: be
still running after a while, then exit 0 once fly-tail is stopped).

    readme.py check FILE TOKEN...

checks CHECKS tokens against FILE (see check()); prints the first that
fails, and why.

Errors (a fenced block, an unknown first word, a file block without a
name) are printed as "README.md:LINE: message" on stderr; exit status 1.
"""
import os
import re
import shlex
import sys

KNOWN = {"fly-tail", "crashgrep", "diagnose", "remediate", "make", "fly",
         "jq", "cp"}
# fly-tail's options with an argument (cmd/fly-tail.c): to tell operands
FT_ARG = {"-a", "--app", "-F", "--follow", "-i", "--instance", "--machine",
          "-l", "--max-line", "-o", "--org", "-r", "--region", "--api-url",
          "--config", "--dedup", "--events-interval", "--format",
          "--machines-url", "--nats", "--pending", "--queue", "--since",
          "--stall", "--state", "--token-file"}
ERRORS = []


def err(n, msg):
    ERRORS.append("README.md:%d: %s" % (n, msg))


def blocks(lines):
    """yield (first line number, marker, [text lines]) per indented block"""
    i, n = 0, len(lines)
    prev = ""          # the nearest non-blank line before this one
    while i < n:
        line = lines[i]
        if line.startswith("```"):
            err(i + 1, "a fenced block: README.md uses 4-space-indented blocks "
                "(the convention at its top)")
            i += 1
            while i < n and not lines[i].startswith("```"):
                i += 1
            i += 1
            continue
        if line.startswith("    ") and line.strip() and prev_blank(lines, i):
            start = i
            body = []
            while i < n and (lines[i].startswith("    ") or not lines[i].strip()):
                body.append(lines[i][4:])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            yield start + 1, prev.strip(), body
            prev = lines[i - 1] if i else ""
            continue
        if line.strip():
            prev = line
        i += 1


def prev_blank(lines, i):
    """an indented block starts after a blank line (else it is a list
    item's continuation or a paragraph's)"""
    return i == 0 or not lines[i - 1].strip()


def commands(start, body):
    """yield (line number, text) per command of a block"""
    cur, cur_n = [], 0
    for k, line in enumerate(body):
        if not cur:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cur_n = start + k
        cur.append(line)
        text = "\n".join(cur)
        s = line.rstrip()
        if s.endswith("\\") or s.endswith("|") or unbalanced(text):
            continue
        yield cur_n, text
        cur = []
    if cur:
        err(cur_n, "a command that does not end: %r" % "\n".join(cur))


def unbalanced(text):
    try:
        shlex.split(text, comments=True)
        return False
    except ValueError:
        return True


def tokens(text):
    lx = shlex.shlex(text, posix=True, punctuation_chars=True)
    lx.whitespace_split = True
    lx.commenters = "#"
    return list(lx)


def stages(toks):
    """[(argv, out)] per pipeline stage: argv without env assignments and
    redirections, out the file of `>`"""
    res, cur = [], []
    for t in toks + ["|"]:
        if t in ("|", "||", "&&", ";"):
            argv, out, j = [], None, 0
            while j < len(cur):
                if cur[j] in (">", ">>", "<") and j + 1 < len(cur):
                    if cur[j] != "<":
                        out = cur[j + 1]
                    j += 2
                    continue
                argv.append(cur[j])
                j += 1
            while argv and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[0]):
                argv.pop(0)
            res.append((argv, out))
            cur = []
        else:
            cur.append(t)
    return res


def follow_feeds(argv):
    """fly-tail's argv -> the feeds when it runs until stopped, else None"""
    feeds, operands, i = [], [], 1
    api = events = False
    while i < len(argv):
        a = argv[i]
        name = a.split("=", 1)[0]
        if name in FT_ARG:
            val = a.split("=", 1)[1] if "=" in a else (argv[i + 1] if i + 1 < len(argv) else "")
            if name in ("-F", "--follow"):
                feeds.append("file:" + val)
            if "=" not in a:
                i += 1
        elif a == "--api":
            api = True
        elif a == "--events":
            events = True
        elif a == "-" or not a.startswith("-"):
            operands.append(a)
        i += 1
    if operands:
        return None
    if api:
        feeds.append("api")
    if events:
        feeds.append("events")
    if not api and not any(f.startswith("file:") for f in feeds):
        feeds.append("nats")
    return feeds


def opt(argv, *names):
    """the values of an option, in order (--name VALUE, --name=VALUE)"""
    vals, i = [], 1
    while i < len(argv):
        a = argv[i]
        for nm in names:
            if a == nm and i + 1 < len(argv):
                vals.append(argv[i + 1])
                i += 1
                break
            if a.startswith(nm + "="):
                vals.append(a[len(nm) + 1:])
                break
        i += 1
    return vals


def checks(argv, feeds):
    """what the output of a command whose last stage is argv must hold"""
    prog = argv[0]
    verb = argv[1] if len(argv) > 1 and not argv[1].startswith("-") else ""
    text = "text" in opt(argv, "--format")
    c = []
    if prog == "crashgrep":
        if "--test" in argv:
            c = ["test-ok"]
        elif "--list" in argv or text:
            c = ["lines"]
        else:
            c = ["records:crash"] + ["rule-from:" + f for f in opt(argv, "-r", "--rules")]
    elif prog == "diagnose":
        if text:
            c = ["lines"]
        else:
            # the sandbox configures an LLM (llm-url): without --backend,
            # diagnose uses it as an OpenAI-compatible server
            c = ["records:diagnosis", "backend:" + (opt(argv, "--backend") or ["openai"])[-1]]
            c += ["report:" + d for d in opt(argv, "--report")]
            if opt(argv, "--repo"):
                c.append("patch")
    elif prog == "remediate":
        if verb == "machines":
            c = ["machines"]
        elif verb:
            c = ["lines"]
        else:
            c = ["records:action"]
            if "--apply" not in argv:
                c.append("no-applied")
            elif opt(argv, "--repo"):
                c.append("pr")
    elif prog == "fly-tail":
        c = ["lines" if text else "records:log"]
    elif prog == "jq":
        c = ["lines"]
    elif prog == "cp":
        srcs, dst = argv[1:-1], argv[-1]
        c = ["exists:" + os.path.normpath(os.path.join(dst, os.path.basename(f)))
             for f in srcs if not f.startswith("-")]
    elif prog == "make":
        if "demo" in argv:
            c = ["demo"]
        if "install" in argv:
            pre = [a.split("=", 1)[1] for a in argv if a.startswith("PREFIX=")]
            c = ["install:" + (pre[-1] if pre else "/usr/local")]
    c += ["fed:" + f for f in feeds or []]
    return c or ["-"]


def check(token, out):
    """readme.py check FILE TOKEN...: '' when FILE (the output) satisfies the
    check, else why not. The sandbox comes from the environment: W (the
    working directory), REMOTE (~/src/shop's bare remote), DESTDIR,
    DEMO_DIR, FLEET (the machines of app shop, comma-separated), FED_NATS,
    FED_API, FED_EVENTS (machine ids and text fed to follow commands) and
    FED_FILE_<NAME> for `-F NAME` (e.g. FED_FILE_APP_LOG)."""
    import glob
    import json
    import subprocess
    kind, _, arg = token.partition(":")
    w = os.environ["W"]
    with open(out, encoding="utf-8", errors="replace") as f:
        lines = [l for l in f.read().split("\n") if l.strip()]
    recs = []
    if kind in ("records", "rule-from", "backend", "patch", "no-applied", "pr", "fed"):
        for i, l in enumerate(lines):
            try:
                recs.append(json.loads(l))
            except ValueError:
                return "output line %d is not JSON: %.100s" % (i + 1, l)
    of = lambda t: [r for r in recs if r.get("type") == t]
    if kind == "records":
        other = {r.get("type") for r in recs} - {arg, "gap", "verify"}
        if other:
            return "records of type %s besides %s" % (sorted(map(str, other)), arg)
        if not of(arg):
            return "no %s record in the output" % arg
    elif kind == "lines":
        if not lines:
            return "no output"
    elif kind == "test-ok":
        if not re.search(r"\b0 failed\b", "\n".join(lines)):
            return "no '0 failed' in the output"
    elif kind == "rule-from":
        with open(os.path.join(w, arg)) as f:
            names = set(re.findall(r"^rule\s+(\S+)", f.read(), re.M))
        if not names & {r.get("rule") for r in of("crash")}:
            return "no crash of a rule of %s (%s)" % (arg, " ".join(sorted(names)))
    elif kind == "backend":
        bad = [r.get("backend") for r in of("diagnosis")
               if r.get("backend") != arg and not str(r.get("backend")).startswith(arg + ":")]
        if bad:
            return "backend %s, not %s (notes: %s)" % (bad[0], arg, "; ".join(
                n for r in of("diagnosis") for n in r.get("notes", []))[:300])
    elif kind == "report":
        if not glob.glob(os.path.join(w, arg, "*.md")):
            return "no Markdown report in %s" % arg
    elif kind == "patch":
        if not any((r.get("patch") or {}).get("diff") for r in of("diagnosis")):
            return "no diagnosis carries a patch (notes: %s)" % "; ".join(
                n for r in of("diagnosis") for n in r.get("notes", []))[:300]
    elif kind == "no-applied":
        if any(r.get("status") == "applied" for r in of("action")):
            return "an action was applied"
    elif kind == "pr":
        prs = [r for r in of("action") if r.get("action") == "github.pr"]
        if not any(r.get("status") == "applied" for r in prs):
            return "no github.pr applied (%s)" % "; ".join(
                "%s: %s" % (r.get("status"), r.get("reason")) for r in prs)[:400]
        br = subprocess.run(["git", "--git-dir", os.environ["REMOTE"], "branch",
                             "--list", "selfheal/*"], capture_output=True, text=True).stdout
        if not br.strip():
            return "no selfheal/* branch on the remote"
    elif kind == "machines":
        missing = [m for m in os.environ["FLEET"].split(",") if m not in "\n".join(lines)]
        if missing:
            return "machines missing: %s" % " ".join(missing)
    elif kind == "exists":
        if not os.path.exists(os.path.join(w, arg)):
            return "%s is not there" % arg
    elif kind == "demo":
        d = os.environ["DEMO_DIR"]
        for g in ("*.actions.ndjson", "reports/*.md", "remediate/audit.ndjson"):
            if not glob.glob(os.path.join(d, g)):
                return "make demo left no %s in %s" % (g, d)
        if not any("where things are" in l for l in lines):
            return "make demo did not say where things are"
    elif kind == "install":
        root = os.environ["DESTDIR"] + arg
        for prog in ("fly-tail", "crashgrep", "diagnose", "remediate"):
            if not os.access(os.path.join(root, "bin", prog), os.X_OK):
                return "no %s/bin/%s" % (root, prog)
        for g in ("share/selfheal/rules/*.rules", "share/man/man1/crashgrep.1",
                  "share/doc/selfheal/README.md"):
            if not glob.glob(os.path.join(root, g)):
                return "nothing matches %s/%s" % (root, g)
    elif kind == "fed":
        fed = os.environ.get("FED_" + re.sub(r"\W", "_", arg).upper(), "")
        if arg == "nats":
            # the crash fed in was on this machine: some decision names it
            if not any(r.get("machine") == fed or fed in r.get("instances", [])
                       for r in recs):
                return "no record names machine %s, whose crash was fed in" % fed
        elif arg == "events":
            if not any(r.get("source") == "events" and fed in r.get("msg", "") for r in of("log")):
                return "no events record for machine %s" % fed
        else:
            src = "api" if arg == "api" else None
            if not any(fed in r.get("msg", "") and (src is None or r.get("source") == src)
                       for r in of("log")):
                return "the line fed in (%s) did not come out" % fed
    elif kind != "-":
        return "unknown check %s" % token
    return ""


def main():
    if sys.argv[1] == "check":
        for token in sys.argv[3:]:
            why = check(token, sys.argv[2])
            if why:
                print(why)
                return 1
        return 0
    readme, out = sys.argv[1], sys.argv[2]
    with open(readme, encoding="utf-8") as f:
        lines = f.read().split("\n")
    os.makedirs(os.path.join(out, "files"), exist_ok=True)
    index = []
    n = 0
    for start, marker, body in blocks(lines):
        if marker == "<!-- not a command -->":
            continue
        m = re.match(r"^<!-- file: ([A-Za-z0-9._-]+) -->$", marker)
        if m:
            with open(os.path.join(out, "files", m.group(1)), "w") as f:
                f.write("\n".join(body) + "\n")
            continue
        if marker.startswith("<!-- file"):
            err(start, "a file block needs a plain name: <!-- file: NAME -->")
            continue
        for ln, text in commands(start, body):
            try:
                st = stages(tokens(text))
            except ValueError as e:
                err(ln, "cannot parse %r: %s" % (text, e))
                continue
            first = st[0][0][0] if st and st[0][0] else ""
            if first not in KNOWN:
                err(ln, "%r is not a command this test knows (%s): is the block "
                    "missing its <!-- not a command --> or <!-- file: NAME --> "
                    "marker?" % (first, " ".join(sorted(KNOWN))))
                continue
            for argv, _ in st:
                if argv and argv[0] not in KNOWN:
                    err(ln, "%r is not a command this test knows" % argv[0])
            n += 1
            mode, feeds = "run", None
            if first == "fly-tail":
                feeds = follow_feeds(st[0][0])
                if feeds is not None:
                    mode = "follow"
            if first == "make":
                mode = "covered" if "check" in st[0][0][1:] else "make"
            last, lout = st[-1]
            with open(os.path.join(out, "%d.cmd" % n), "w") as f:
                f.write(text + "\n")
            index.append("\t".join([str(n), str(ln), mode, ",".join(feeds or ["-"]),
                                    lout or "-", " ".join(checks(last, feeds))]))
    with open(os.path.join(out, "index"), "w") as f:
        f.write("".join(l + "\n" for l in index))
    for e in ERRORS:
        sys.stderr.write(e + "\n")
    return 1 if ERRORS else 0


if __name__ == "__main__":
    sys.exit(main())
