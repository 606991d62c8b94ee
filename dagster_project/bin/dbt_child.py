"""Become dbt, but die with the pipeline process that started us.

``rightswatch run`` starts ``dbt build`` as a child (through dagster-dbt). Killed with SIGKILL, the
run used to leave dbt running: it kept the work database's lock and finished a build nobody would
publish. Here the child asks the kernel (prctl PR_SET_PDEATHSIG) for SIGKILL when its parent dies,
checks the parent is still the one that started it (it may have died before the request), and
then replaces itself with dbt, keeping the request across exec.

When the pipeline names a folder (``RW_DBT_CWD``, see dagster_project/warehouse/memory.py), dbt starts
there with its project named by ``DBT_PROJECT_DIR``, and the profile gets the work file and spill directory
relative to that folder: the profile is then the same for every warehouse folder, so dbt's partial
parse holds for a first build in a new folder too.

A standalone script (no project imports), run by ``rw-dbt`` with the pipeline's interpreter.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_PDEATHSIG): {os.strerror(err)}")
    expected = os.environ.get("RW_DBT_PARENT_PID")
    if expected and os.getppid() != int(expected):
        sys.exit("dbt not started: the pipeline process that asked for it has already ended")
    dbt = os.environ.get("RW_DBT_EXECUTABLE") or os.path.join(os.path.dirname(sys.executable), "dbt")
    if not os.path.exists(dbt):
        dbt = "dbt"
    in_warehouse_folder()
    os.execvp(dbt, [dbt, *sys.argv[1:]])


def in_warehouse_folder() -> None:
    """Move to the folder the pipeline named, with the project named by dbt's own ``DBT_PROJECT_DIR`` (an
    explicit ``--project-dir`` still wins); without a named folder that exists, nothing changes."""
    folder = os.environ.get("RW_DBT_CWD")
    if not folder or not os.path.isdir(folder):
        return
    os.environ.setdefault("DBT_PROJECT_DIR", os.getcwd())
    os.chdir(folder)
    os.environ["RW_DBT_WORK_FILE"] = os.environ["RW_DBT_CWD_WORK_FILE"]
    os.environ["RW_DBT_TEMP_DIR"] = os.environ["RW_DBT_CWD_TEMP_DIR"]


if __name__ == "__main__":
    main()
