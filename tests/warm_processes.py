"""New processes for the tests without a new TensorFlow import each: children forked from one warm process.

Every `python` a test starts pays about 7 CPU seconds importing TensorFlow (through autonas) before it runs a line
of the test's script. Where a test needs another *process* (one it kills, one that resumes what a killed one left,
one at the other end of a socket) but not a fresh interpreter, it starts it with `start` or `run`: a child forked
from a warm process that imported autonas once and ran no TensorFlow operation (TensorFlow's runtime, its thread
pools and sessions are created in the child, at its first operation, as in a fresh process). The child runs the
script as `__main__` with its own argv, environment, working directory, stdout and stderr; it is a real process:
its own pid, killed by a real SIGKILL, its exit status read back as `subprocess` reads it (-9 for SIGKILL).

What a child shares with its siblings is what the import left: the same interpreter state after `import autonas`
(and the same string-hash seed). Tests about a fresh interpreter (reproducibility across processes, packaging,
another backend) start `sys.executable` as before.
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_WARM = r"""
import json, os, runpy, select, signal, sys, traceback

import autonas  # noqa: F401  (the import every child would pay)
from sklearn.datasets import load_digits  # noqa: F401

# forking is safe only with no other thread: one that holds a lock at the fork would leave it held in the child
THREADS = len(os.listdir("/proc/self/task"))

def child(request):
    os.environ.clear()
    os.environ.update(request["env"])
    if request.get("new_session"):
        os.setsid()
    os.chdir(request["cwd"])
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    # a fresh python: Ctrl-C raises KeyboardInterrupt (unless the starting process ignored it), SIGTERM kills
    signal.signal(signal.SIGINT, signal.SIG_IGN if request.get("ignore_sigint") else signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    code = 0
    try:
        if request.get("module"):
            sys.argv = [request["module"], *request["args"]]
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        else:
            sys.argv = [request["script"], *request["args"]]
            sys.path[0] = os.path.dirname(os.path.abspath(request["script"]))
            runpy.run_path(request["script"], run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, (int, type(None))):
            print(e.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)

out = sys.stdout
out.write("READY %d\n" % THREADS)
out.flush()
children = set()
buffer = b""
while True:
    ready, _, _ = select.select([0], [], [], 0.05)
    if ready:
        data = os.read(0, 65536)
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            out.flush()
            pid = os.fork()
            if pid == 0:
                child(request)
            children.add(pid)
            out.write(json.dumps({"started": request["token"], "pid": pid}) + "\n")
            out.flush()
    while children:
        pid, status, usage = os.wait4(-1, os.WNOHANG)
        if pid == 0:
            break
        children.discard(pid)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        out.write(json.dumps({"exited": pid, "code": code, "cpu": usage.ru_utime + usage.ru_stime}) + "\n")
        out.flush()
for pid in children:  # the tests are over: end what a test left running, so that it does not outlive them
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
for pid in children:  # and reap it, so that its CPU is counted with this process's
    os.waitpid(pid, 0)
"""


class Unavailable(RuntimeError):
    """No warm process to fork from: `WarmProcess` starts a fresh python instead."""


class _Warm:
    """The warm process, started on first use; answers with pids and exit statuses on its stdout."""

    def __init__(self):
        # the import starts no thread then: OpenBLAS's pools (NumPy's and SciPy's) and the background thread of
        # Arrow's jemalloc (pandas imports pyarrow) are the only ones it would start
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "OPENBLAS_NUM_THREADS": "1",
               "JE_ARROW_MALLOC_CONF": "background_thread:false",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-c", _WARM], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, cwd=str(ROOT))
        ready = self.proc.stdout.readline().split()
        if ready != [b"READY", b"1"]:
            self.close()
            raise Unavailable(f"the warm process is not single-threaded or did not start: {ready}")
        self.lock = threading.Condition()
        self.started, self.exited = {}, {}
        self.child_cpu = 0.0  # CPU seconds of the children that exited (they are not this process's children)
        self.tokens = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            event = json.loads(line)
            with self.lock:
                if "started" in event:
                    self.started[event["started"]] = event["pid"]
                else:
                    self.exited[event["exited"]] = event["code"]
                    self.child_cpu += event["cpu"]
                self.lock.notify_all()
        with self.lock:
            self.proc.wait()
            self.lock.notify_all()

    def fork(self, request):
        with self.lock:
            self.tokens += 1
            request["token"] = self.tokens
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            while request["token"] not in self.started:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the warm process died (exit status {self.proc.returncode})")
                self.lock.wait(1.0)
            return self.started.pop(request["token"])

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()


_warm = None
_warm_lock = threading.Lock()


def _get():
    """The warm process, or None where it cannot be used (then every child is a fresh python)."""
    global _warm
    with _warm_lock:
        if _warm is False:
            return None
        if _warm is None or _warm.proc.poll() is not None:
            try:
                _warm = _Warm()
            except Unavailable:
                _warm = False
                return None
            atexit.register(_warm.close)
        return _warm


def child_cpu_seconds():
    """CPU seconds used so far by the children that exited (for profiling; 0 before the first)."""
    return _warm.child_cpu if _warm else 0.0


class WarmProcess:
    """A forked child running `script` (a file) or `module` (``python -m``) with `args`; a subset of `Popen`."""

    def __init__(self, script=None, args=(), module=None, env=None, cwd=None, text=True, new_session=False,
                 ignore_sigint=False):
        self._warm = _get()
        self._dir = tempfile.mkdtemp(prefix="warm-")
        atexit.register(shutil.rmtree, self._dir, True)
        self._out, self._err = os.path.join(self._dir, "stdout"), os.path.join(self._dir, "stderr")
        for path in (self._out, self._err):  # there before the child runs: `output` may be read at once
            open(path, "wb").close()
        self.text = text
        self.args = [str(a) for a in args]
        self.returncode = None
        env = dict(os.environ if env is None else env)
        cwd = str(cwd or os.getcwd())
        if not self._warm:  # a fresh python, as the test would start without this module
            import signal

            with open(self._out, "wb") as out, open(self._err, "wb") as err:
                self._popen = subprocess.Popen(
                    [sys.executable, *(["-m", module] if module else [str(script)]), *self.args], stdout=out,
                    stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=new_session,
                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN if ignore_sigint
                                                     else signal.SIG_DFL))
            self.pid = self._popen.pid
            return
        self.pid = self._warm.fork({
            "script": str(script) if script is not None else None, "module": module, "args": self.args,
            "env": env, "cwd": cwd, "stdout": self._out, "stderr": self._err, "new_session": new_session,
            "ignore_sigint": ignore_sigint})

    def poll(self):
        if self.returncode is None:
            if not self._warm:
                self.returncode = self._popen.poll()
                return self.returncode
            with self._warm.lock:
                if self.pid in self._warm.exited:
                    self.returncode = self._warm.exited.pop(self.pid)
        return self.returncode

    def wait(self, timeout=None):
        if not self._warm:
            self.returncode = self._popen.wait(timeout)
            return self.returncode
        end = None if timeout is None else time.monotonic() + timeout
        with self._warm.lock:
            while self.returncode is None and self.pid not in self._warm.exited:
                if self._warm.proc.poll() is not None:
                    raise RuntimeError("the warm process died while its child ran")
                if end is not None and time.monotonic() >= end:
                    raise subprocess.TimeoutExpired(self.args, timeout)
                self._warm.lock.wait(0.5 if end is None else max(0.0, min(0.5, end - time.monotonic())))
        return self.poll()

    def send_signal(self, signum):
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self):
        import signal

        self.send_signal(signal.SIGKILL)

    def _read(self, path):
        with open(path, "r" if self.text else "rb") as f:
            return f.read()

    def output(self):
        """What the child wrote so far: (stdout, stderr)."""
        return self._read(self._out), self._read(self._err)

    def communicate(self, timeout=None):
        self.wait(timeout)
        return self.output()


def start(script, *args, **kwargs):
    """`subprocess.Popen([sys.executable, script, *args])`, forked from the warm process."""
    return WarmProcess(script, args, **kwargs)


def run(script, *args, timeout=None, **kwargs):
    """`subprocess.run([sys.executable, script, *args], capture_output=True)`, forked from the warm process."""
    proc = WarmProcess(script, args, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
