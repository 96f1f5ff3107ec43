package main

// This file owns the bbolt side of the comparison: the operations the
// benchmark measures (Append, Before, LastSeq), written as a bbolt store
// of chat history would be: one bucket per conversation, keyed by the
// talk's seq in big-endian (so a cursor walks seqs in order), and a meta
// bucket with the highest seq given.

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"chatroom/model"
)

const (
	metaBucket = "meta"  // holds lastSeqKey
	lastSeqKey = "last"  // the highest seq Append recorded, 8 bytes big-endian
	convPrefix = "conv:" // a conversation's bucket is convPrefix + its key
)

// boltStore keeps talks in a bbolt file. NoSync skips the fsync of each
// commit: the data is then in the page cache only, which survives a kill
// of the process but not a power loss (after which the file may be
// damaged, as bbolt's meta page can reach the disk before the pages it
// points to).
type boltStore struct {
	db      *bolt.DB
	lastSeq uint64
}

// openBolt opens (or creates) dir/history.bolt.
func openBolt(dir string, noSync bool) (*boltStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	db, err := bolt.Open(filepath.Join(dir, "history.bolt"), 0o600, &bolt.Options{NoSync: noSync})
	if err != nil {
		return nil, err
	}
	s := &boltStore{db: db}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(metaBucket))
		if err != nil {
			return err
		}
		if v := b.Get([]byte(lastSeqKey)); len(v) == 8 {
			s.lastSeq = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// seqKey is a seq as a bucket key: 8 bytes big-endian.
func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}

// encodeTalk is what a bucket holds of a talk: the talk without its seq
// and room, which the key and the bucket already say.
func encodeTalk(ev *model.ChatRoomRequest) ([]byte, error) {
	return proto.Marshal(&model.ChatRoomRequest{UserName: ev.UserName, Content: ev.Content, Timestamp: ev.Timestamp, To: ev.To})
}

// Append stores the talks of evs and the highest seq of all of them in
// one transaction (one fsync unless NoSync).
func (s *boltStore) Append(evs []*model.ChatRoomRequest) error {
	last := s.lastSeq
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, ev := range evs {
			last = max(last, ev.Seq)
			if ev.Type != model.TypeTalk || (ev.Room == "" && ev.To == "") {
				continue
			}
			b, err := tx.CreateBucketIfNotExists([]byte(convPrefix + model.ConversationOf(ev)))
			if err != nil {
				return err
			}
			// Seqs only grow, so pages split at their end: fill them.
			b.FillPercent = 0.95
			v, err := encodeTalk(ev)
			if err != nil {
				return err
			}
			if err := b.Put(seqKey(ev.Seq), v); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte(metaBucket)).Put([]byte(lastSeqKey), seqKey(last))
	})
	if err != nil {
		return err
	}
	s.lastSeq = last
	return nil
}

// Before returns the last (at most limit) talks of conv with a seq below
// before (0: the newest), oldest first, and whether older ones are kept.
func (s *boltStore) Before(_ context.Context, conv string, before uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	var msgs []*model.ChatRoomRequest
	more := false
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(convPrefix + conv))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var k, v []byte
		if before == 0 {
			k, v = c.Last()
		} else if k, _ = c.Seek(seqKey(before)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && len(msgs) < limit; k, v = c.Prev() {
			m := &model.ChatRoomRequest{}
			if err := proto.Unmarshal(v, m); err != nil {
				return fmt.Errorf("%s seq %x: %w", conv, k, err)
			}
			m.Type, m.Seq = model.TypeTalk, binary.BigEndian.Uint64(k)
			if m.To == "" {
				m.Room = conv
			}
			msgs = append(msgs, m)
		}
		more = k != nil
		return nil
	})
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	return msgs, more, err
}

// LastSeq is the highest seq Append recorded.
func (s *boltStore) LastSeq() uint64 { return s.lastSeq }

// Close closes the file.
func (s *boltStore) Close() error { return s.db.Close() }
