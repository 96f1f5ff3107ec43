package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"chatroom/model"
)

// childEnv names the data directory of a child process that appends in a
// loop (TestMain runs appendChild instead of the tests when it is set).
const childEnv = "CHATROOM_STORE_CHILD"

// appendChild appends batches (talks of two rooms and a join) to the store
// in $CHATROOM_STORE_CHILD until it is killed, printing each batch's last
// seq once Append has returned: a seq printed is a seq committed.
func appendChild() int {
	s, err := Open(os.Getenv(childEnv), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	seq := s.LastSeq()
	for i := 0; i < 1_000_000; i++ {
		evs := []*model.ChatRoomRequest{
			talk("lobby", seq+1, "ann", "kill me "+strconv.Itoa(i)),
			talk("other", seq+2, "bob", "or me"),
			join("lobby", seq+3, "cat"),
		}
		if err := s.Append(evs); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		seq += 3
		fmt.Println(seq) // unbuffered: written before the next Append
	}
	return 0
}

// TestAKilledWriterLosesNoCommittedTalk runs appendChild in a child
// process, kills it with SIGKILL mid-stream, and reopens the store: every
// seq the child reported is there, and LastSeq is at least the last one.
func TestAKilledWriterLosesNoCommittedTalk(t *testing.T) {
	dir := t.TempDir()
	for round := 0; round < 2; round++ { // the second round starts from the first's killed file
		reported := runAndKill(t, dir, 300)
		s := openT(t, dir, Options{})
		last := reported[len(reported)-1]
		if s.LastSeq() < last {
			t.Fatalf("round %d: LastSeq %d below the last reported %d", round, s.LastSeq(), last)
		}
		msgs, _, err := s.After(context.Background(), "lobby", 0, 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		stored := make(map[uint64]bool, len(msgs))
		for _, m := range msgs {
			stored[m.GetSeq()] = true
		}
		for _, seq := range reported {
			if !stored[seq-2] { // the batch's lobby talk
				t.Fatalf("round %d: batch %d was reported committed; its talk %d is not stored", round, seq, seq-2)
			}
		}
		t.Logf("round %d: %d batches reported, LastSeq %d after the kill (last reported %d)", round, len(reported), s.LastSeq(), last)
		s.Close()
	}
}

// runAndKill starts appendChild on dir, kills it with SIGKILL once it has
// reported n batches, and returns every seq it reported.
func runAndKill(t *testing.T, dir string, n int) []uint64 {
	t.Helper()
	return runChildAndKill(t, childEnv, dir, n)
}

// runChildAndKill starts this test binary as the child that env (set to
// dir) selects in TestMain, kills it with SIGKILL once it has reported n
// numbers, and returns every number it reported.
func runChildAndKill(t *testing.T, env, dir string, n int) []uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() }) // a child that hangs
	defer timer.Stop()
	var reported []uint64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		seq, err := strconv.ParseUint(sc.Text(), 10, 64)
		if err != nil {
			t.Fatalf("child said %q", sc.Text())
		}
		reported = append(reported, seq)
		if len(reported) == n {
			cmd.Process.Kill() // SIGKILL; what it printed meanwhile is still read
		}
	}
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child ended with %v, not killed by SIGKILL", cmd.ProcessState)
	}
	if len(reported) < n {
		t.Fatalf("the child reported only %d numbers", len(reported))
	}
	return reported
}
