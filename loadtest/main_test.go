package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// runAsCommandEnv makes the test binary run as the command: TestProcesses
// starts it as its child processes.
const runAsCommandEnv = "LOADTEST_TEST_RUN_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(runAsCommandEnv) == "1" {
		os.Exit(realMain())
	}
	goleak.VerifyTestMain(m)
}
