"""One check per printed line, shared by the Python checkers of the end-to-end
and VM tests: "ok: WHAT" when it holds, else "FAIL: WHAT: got X, expected Y".
The checker counts both, so a script can end with its verdict.

    from checks import Checker
    check = Checker()
    check(a == b, "what is compared", a, b)
    sys.exit(1 if check.failed else 0)
"""


class Checker:
    def __init__(self, ok="ok: ", fail="FAIL: "):
        self.ok_label, self.fail_label = ok, fail
        self.passed = self.failed = 0
        self.prefix = ""  # e.g. "6.1 memcg fentry: ", put before every WHAT

    @property
    def checks(self):
        return self.passed + self.failed

    def __call__(self, cond, what, got=None, want=None):
        """Print and count one check; returns whether it held."""
        if cond:
            self.passed += 1
            print(f"{self.ok_label}{self.prefix}{what}")
        else:
            self.failed += 1
            print(f"{self.fail_label}{self.prefix}{what}: got {got!r}, expected {want!r}")
        return bool(cond)
