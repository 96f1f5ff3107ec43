package ctrl

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"chatroom/model"
)

// This file owns a handshake's catch-up: the since query parameter
// (repeatable, or comma-separated) or header, "ROOM:SEQ", the last seq the
// client saw of each room it starts in. No room name holds ":" or ",".

// sinceSeqs parses the handshake's since values into the last seq seen
// per room (normalized), for the rooms it starts in; others are ignored.
func sinceSeqs(r *http.Request, rooms []string) (map[string]uint64, error) {
	values := r.URL.Query()["since"]
	values = append(values, r.Header.Values("since")...)
	if len(values) == 0 {
		return nil, nil
	}
	since := make(map[string]uint64)
	n := 0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if n++; n > maxRoomParams {
				return nil, fmt.Errorf("since: at most %d rooms", maxRoomParams)
			}
			room, seq, err := parseSince(strings.TrimSpace(part))
			if err != nil {
				return nil, err
			}
			for _, in := range rooms {
				if in == room {
					since[room] = seq
				}
			}
		}
	}
	return since, nil
}

// parseSince parses one "ROOM:SEQ".
func parseSince(s string) (string, uint64, error) {
	name, num, ok := strings.Cut(s, ":")
	if !ok {
		return "", 0, fmt.Errorf("since %q: expected ROOM:SEQ, the last seq seen of a room", clip(s))
	}
	room, err := model.NormalizeRoom(name)
	if err != nil {
		return "", 0, fmt.Errorf("since %q: %v", clip(s), err)
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("since %q: the seq is not a number", clip(s))
	}
	return room, seq, nil
}
