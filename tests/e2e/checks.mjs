// The checks of an end-to-end script: one line per check, a summary line "N passed, M failed"
// and the exit status.
export function checks() {
  let passed = 0;
  let failed = 0;
  return {
    check(name, ok, detail) {
      if (ok) {
        passed++;
        console.log(`ok   ${name}`);
      } else {
        failed++;
        console.log(`FAIL ${name}: ${detail}`);
      }
    },
    finish() {
      console.log(`${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    },
  };
}
