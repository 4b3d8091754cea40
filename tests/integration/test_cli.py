"""The pde command-line tool against a real engine."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, SharedStackTest  # noqa: E402


class CliTest(SharedStackTest, unittest.TestCase):
    def pde(self, *args):
        out = subprocess.run([os.path.join(BIN, "pde"), "--url", self.e.base, *args],
                             capture_output=True, text=True, timeout=30)
        return out.returncode, out.stdout, out.stderr

    def test_start_set_get_stop(self):
        rc, out, _ = self.pde("models")
        self.assertEqual(rc, 0)
        self.assertIn("wood-berry", {m["id"] for m in json.loads(out)})
        rc, out, _ = self.pde("start", "wood-berry", "--time-scale", "10", "R=2.0")
        self.assertEqual(rc, 0)
        sim = json.loads(out)["sim_id"]
        self.e.wait_status(sim, "running")
        rc, out, _ = self.pde("get", sim, "R")
        self.assertEqual(json.loads(out)["value"], 2.0)
        rc, out, _ = self.pde("set", sim, "R", "2.1")
        self.assertEqual((rc, json.loads(out)["value"]), (0, 2.1))
        rc, out, _ = self.pde("stop", sim)
        self.assertEqual((rc, json.loads(out)["status"]), (0, "stopped"))

    def test_errors_exit_nonzero_with_the_engine_message(self):
        rc, _, err = self.pde("get", "nosuchsim")
        self.assertEqual(rc, 1)
        self.assertIn("404", err)
        self.assertIn("nosuchsim", err)
        rc, _, err = self.pde("frobnicate")
        self.assertEqual(rc, 2)
        self.assertIn("usage", err)
        unreachable = subprocess.run([os.path.join(BIN, "pde"), "--url", "http://127.0.0.1:9",
                                      "models"], capture_output=True, text=True, timeout=30)
        self.assertEqual(unreachable.returncode, 1)
        self.assertIn("cannot reach", unreachable.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
