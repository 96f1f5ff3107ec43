package store

import (
	"context"
	"fmt"
	"os"
	"testing"

	"chatroom/model"
)

// These benchmarks print numbers; nothing is asserted of them. Run with
// go test -run '^$' -bench . ./service/store

// words are the vocabulary of the benchmarks' talks.
var benchWords = []string{"hello", "world", "chat", "room", "message", "server", "你好", "大家", "go", "sqlite", "search", "needle"}

// benchTalk is the seq-th talk of a benchmark, in one of ten rooms.
func benchTalk(seq uint64) *model.ChatRoomRequest {
	content := fmt.Sprintf("%s %s %s number %d", benchWords[seq%12], benchWords[(seq/12)%12], benchWords[(seq/144)%11], seq)
	return talk(fmt.Sprintf("room%d", seq%10), seq, "ann", content)
}

// fill appends n benchmark talks after s's last seq, 1000 a batch.
func fill(b *testing.B, s *Store, n int) {
	b.Helper()
	seq := s.LastSeq()
	for n > 0 {
		batch := make([]*model.ChatRoomRequest, min(n, 1000))
		for i := range batch {
			seq++
			batch[i] = benchTalk(seq)
		}
		mustAppend(b, s, batch...)
		n -= len(batch)
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := openT(b, "", Options{})
			seq := uint64(0)
			batch := make([]*model.ChatRoomRequest, size)
			b.ResetTimer()
			for b.Loop() {
				for i := range batch {
					seq++
					batch[i] = benchTalk(seq)
				}
				mustAppend(b, s, batch...)
			}
			b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "talks/s")
		})
	}
}

func BenchmarkBefore100(b *testing.B) {
	s := openT(b, "", Options{})
	fill(b, s, 100_000)
	ctx := context.Background()
	i := uint64(0)
	for b.Loop() {
		i++
		bef := 1 + (i*7919)%100_000
		if _, _, err := s.Before(ctx, fmt.Sprintf("room%d", i%10), bef, 100); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	s := openT(b, "", Options{})
	fill(b, s, 100_000)
	ctx := context.Background()
	for _, q := range []string{"needle", "hel wor", "你好", "number 4242"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.Search(ctx, "room3", q, 0, 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQuickCheck is what PRAGMA quick_check costs on 100,000 talks,
// to weigh checking a whole file at Open (see ns/talk: times 10M).
func BenchmarkQuickCheck(b *testing.B) {
	s := openT(b, "", Options{})
	fill(b, s, 100_000)
	for b.Loop() {
		var res string
		if err := s.w.QueryRow(`PRAGMA quick_check`).Scan(&res); err != nil || res != "ok" {
			b.Fatalf("quick_check: %s %v", res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/talk")
}

// BenchmarkSchema weighs the messages table's two shapes: WITHOUT ROWID
// keyed by (conv, seq), against a rowid table with an index on (conv,
// seq): appends of 100 talks, Before(100), and the file's bytes per talk.
func BenchmarkSchema(b *testing.B) {
	shapes := map[string]string{
		"without-rowid": `CREATE TABLE messages (conv TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, user TEXT NOT NULL, "to" TEXT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (conv, seq)) WITHOUT ROWID`,
		"rowid-index":   `CREATE TABLE messages (conv TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, user TEXT NOT NULL, "to" TEXT NOT NULL, content TEXT NOT NULL); CREATE UNIQUE INDEX messages_conv ON messages (conv, seq)`,
	}
	for name, create := range shapes {
		b.Run(name, func(b *testing.B) { benchShape(b, create) })
	}
}

func benchShape(b *testing.B, create string) {
	path := b.TempDir() + "/shape.db"
	db := rawDBB(b, path, create)
	seq := 0
	b.Run("append100", func(b *testing.B) {
		for b.Loop() {
			tx, _ := db.Begin()
			st, _ := tx.Prepare(`INSERT INTO messages VALUES (?, ?, 0, 'ann', '', ?)`)
			for range 100 {
				seq++
				ev := benchTalk(uint64(seq))
				st.Exec(ev.Room, seq, ev.Content)
			}
			st.Close()
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		if info, err := os.Stat(path); err == nil {
			b.ReportMetric(float64(info.Size())/float64(seq), "bytes/talk")
		}
	})
	b.Run("before100", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			rows, err := db.Query(`SELECT seq, ts, user, "to", content FROM messages WHERE conv = ? AND seq < ? ORDER BY seq DESC LIMIT 100`,
				fmt.Sprintf("room%d", i%10), 1+(i*7919)%max(seq, 1))
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
	})
}
