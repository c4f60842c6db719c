/** Ends a run with one plain line, "Summary: N passed, N failed, N skipped", for CI to read. */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(
      `Summary: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`,
    );
  }
}

module.exports = SummaryReporter;
