package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	chatv1 "example.com/chatbot/gen/chat/v1"
)

// cursorFile keeps the seq of the last handled message per conversation in a JSON file, in the
// TypeScript SDK's format ({"<conversation id>": "<seq>"}), so a restart resumes where the bot was.
type cursorFile struct {
	path string
	seqs map[string]uint64
}

func loadCursors(path string) (*cursorFile, error) {
	c := &cursorFile{path: path, seqs: map[string]uint64{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil // a first run
	}
	if err != nil {
		return nil, err
	}
	var saved map[string]string
	if err := json.Unmarshal(data, &saved); err != nil {
		return nil, err
	}
	for conv, seq := range saved {
		n, err := strconv.ParseUint(seq, 10, 64)
		if err != nil {
			return nil, err
		}
		c.seqs[conv] = n
	}
	return c, nil
}

func (c *cursorFile) get(conversationID string) uint64 { return c.seqs[conversationID] }

func (c *cursorFile) list() []*chatv1.Cursor {
	out := make([]*chatv1.Cursor, 0, len(c.seqs))
	for conv, seq := range c.seqs {
		out = append(out, &chatv1.Cursor{ConversationId: conv, Seq: seq})
	}
	return out
}

// save records that every message up to seq was handled. It writes through a temporary file and a
// rename: a crash mid-write leaves the previous version, never half a file.
func (c *cursorFile) save(conversationID string, seq uint64) error {
	if old, ok := c.seqs[conversationID]; ok && old >= seq {
		return nil
	}
	c.seqs[conversationID] = seq
	saved := make(map[string]string, len(c.seqs))
	for conv, s := range c.seqs {
		saved[conv] = strconv.FormatUint(s, 10)
	}
	data, err := json.Marshal(saved)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(c.path+".tmp", data, 0o644); err != nil {
		return err
	}
	return os.Rename(c.path+".tmp", c.path)
}
