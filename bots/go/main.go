// The echo bot in Go (grpc-go), on code generated from proto/ (gen/, see buf.gen.yaml).
//
// It answers every message with "echo: <text>", as bots/src/echo-bot.ts does on the TypeScript SDK:
//
//   - it connects with an API token (`authorization: Bearer chatbot_...`), never a password;
//   - it skips the messages of other bots unless -listen-to-bots (two echo bots would answer each
//     other forever), and always its own;
//   - it keeps, per conversation, the seq of the last message it handled in STATE/cursors.json
//     (written atomically) and resumes from it on every reconnect and restart: nothing is lost;
//   - each reply's client_message_id derives from the message it answers, so a message handled again
//     after a crash is stored once: nothing is answered twice;
//   - it reconnects by itself, with exponential backoff and jitter, and gives up only on a refused token.
//
// Run it from this folder:
//
//	go run . -server 127.0.0.1:8080 -token chatbot_... -state .echo-bot-go
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	chatv1 "example.com/chatbot/gen/chat/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// callTimeout is the deadline of every unary call.
const callTimeout = 10 * time.Second

// maxKnownUsers bounds the sender cache, which is keyed by what others send.
const maxKnownUsers = 10_000

type echoBot struct {
	live         chatv1.LiveServiceClient
	users        chatv1.UserServiceClient
	cursors      *cursorFile
	listenToBots bool
	me           *chatv1.User
	known        map[string]*chatv1.User
}

func main() {
	server := flag.String("server", envOr("CHAT_SERVER", "127.0.0.1:8080"), "host:port of the chat server")
	token := flag.String("token", os.Getenv("CHAT_BOT_TOKEN"), "an API token of the bot (BotService.CreateBotToken)")
	state := flag.String("state", envOr("CHAT_BOT_STATE", ".echo-bot-go"), "where the bot keeps its cursors")
	listenToBots := flag.Bool("listen-to-bots", false, "also answer other bots (they may answer back)")
	useTLS := flag.Bool("tls", false, "connect over TLS, trusting the system's CAs")
	caFile := flag.String("ca-file", os.Getenv("CHAT_CA_FILE"), "connect over TLS, trusting this CA (PEM)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("echo-bot-go: ")
	if *token == "" {
		log.Println("set -token or CHAT_BOT_TOKEN (its owner creates one with BotService.CreateBotToken; see bots/README.md)")
		os.Exit(2)
	}
	creds, err := transportCredentials(*useTLS, *caFile)
	if err != nil {
		log.Fatalf("cannot read -ca-file: %v", err)
	}
	conn, err := grpc.NewClient(*server, grpc.WithTransportCredentials(creds))
	if err != nil {
		log.Fatalf("bad -server %q: %v", *server, err)
	}
	defer conn.Close()
	cursors, err := loadCursors(*state + "/cursors.json")
	if err != nil {
		log.Fatalf("cannot read the cursors: %v", err)
	}
	// Every call carries the token; SIGINT/SIGTERM cancel whatever is running.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+*token)
	bot := &echoBot{
		live: chatv1.NewLiveServiceClient(conn), users: chatv1.NewUserServiceClient(conn),
		cursors: cursors, listenToBots: *listenToBots, known: map[string]*chatv1.User{},
	}
	whoCtx, cancel := context.WithTimeout(ctx, callTimeout)
	who, err := chatv1.NewAuthServiceClient(conn).WhoAmI(whoCtx, &chatv1.WhoAmIRequest{})
	cancel()
	if err != nil {
		log.Fatalf("the token was refused: %v", err)
	}
	bot.me = who.GetUser()
	bot.run(ctx)
}

// run keeps one Stream up until ctx ends: it reconnects with backoff and resumes from the cursors.
func (b *echoBot) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		err := b.streamOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if status.Code(err) == codes.Unauthenticated {
			log.Fatalf("the token was refused (%v); its owner can issue a new one", err)
		}
		delay := 250 * time.Millisecond // the server ended the stream cleanly: reconnect after a breath
		if err != nil {
			failures++
			delay = time.Duration(rand.Int64N(int64(min(10*time.Second, 250*time.Millisecond<<min(failures, 6))))) // full jitter
			log.Printf("stream lost (%v); reconnecting in %v", err, delay.Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
}

// streamOnce opens a Stream, resumes, heartbeats and handles messages until the stream ends.
// It returns nil when the server ended the stream cleanly.
func (b *echoBot) streamOnce(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	stream, err := b.live.Stream(ctx)
	if err != nil {
		return err
	}
	var sendMu sync.Mutex // grpc-go allows one SendMsg at a time; the heartbeat goroutine sends too
	send := func(req *chatv1.StreamRequest) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return stream.Send(req)
	}
	for {
		res, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		frame := res.GetFrame()
		switch {
		case frame.GetReady() != nil:
			if err := send(&chatv1.StreamRequest{Frame: &chatv1.StreamRequest_Resume{Resume: &chatv1.ResumeRequest{Cursors: b.cursors.list()}}}); err != nil {
				return err
			}
			go heartbeat(ctx, send, time.Duration(frame.GetReady().GetHeartbeatIntervalMs())*time.Millisecond)
			log.Printf("@%s (%s) online", b.me.GetUsername(), b.me.GetId())
		case frame.GetMessage() != nil:
			if err := b.handle(ctx, frame.GetMessage(), send); err != nil {
				return err
			}
		case frame.GetError() != nil:
			log.Printf("frame refused: %v %s", frame.GetError().GetCode(), frame.GetError().GetMessage())
		}
	}
}

func heartbeat(ctx context.Context, send func(*chatv1.StreamRequest) error, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := send(&chatv1.StreamRequest{Frame: &chatv1.StreamRequest_Heartbeat{Heartbeat: &chatv1.HeartbeatRequest{}}}); err != nil {
				return // the stream is gone; Recv reports why
			}
		}
	}
}

// handle answers one message, then saves its seq and marks it read. An error that waiting cures
// (the node or the database down, the bot's rate limit) is returned, so the stream reconnects and
// the message is handled again; any other is logged and the message counts as handled, lest one
// bad message stop the bot for good.
func (b *echoBot) handle(ctx context.Context, m *chatv1.Message, send func(*chatv1.StreamRequest) error) error {
	if m.GetSeq() <= b.cursors.get(m.GetConversationId()) {
		return nil // handled before (a replay overlapping what arrived live)
	}
	// System events ("alice added bob") and update entries (edits, deletes, reactions) get no answer.
	spoken := m.GetSystemEvent() == nil && m.GetUpdate() == nil
	if spoken && m.GetSenderId() != b.me.GetId() {
		sender, err := b.lookup(ctx, m.GetSenderId())
		if err != nil {
			return err
		}
		if !sender.GetBot() || b.listenToBots {
			if err := b.reply(ctx, m, "echo: "+m.GetText()); err != nil {
				return err
			}
		}
	}
	if err := b.cursors.save(m.GetConversationId(), m.GetSeq()); err != nil {
		return fmt.Errorf("saving the cursor: %w", err)
	}
	return send(&chatv1.StreamRequest{Frame: &chatv1.StreamRequest_MarkRead{MarkRead: &chatv1.MarkReadRequest{ConversationId: m.GetConversationId(), Seq: m.GetSeq()}}})
}

func (b *echoBot) reply(ctx context.Context, m *chatv1.Message, text string) error {
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err := b.live.SendMessage(callCtx, &chatv1.SendMessageRequest{
		ConversationId: m.GetConversationId(), Text: text,
		ClientMessageId: fmt.Sprintf("reply-%s-%d-0", m.GetConversationId(), m.GetSeq()),
	})
	switch status.Code(err) {
	case codes.OK:
		return nil
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Canceled:
		return err
	default:
		log.Printf("could not answer message %d of %s: %v", m.GetSeq(), m.GetConversationId(), err)
		return nil
	}
}

func (b *echoBot) lookup(ctx context.Context, userID string) (*chatv1.User, error) {
	if u, ok := b.known[userID]; ok {
		return u, nil
	}
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	res, err := b.users.GetUsers(callCtx, &chatv1.GetUsersRequest{UserIds: []string{userID}})
	if err != nil {
		return nil, err
	}
	if len(res.GetUsers()) == 0 {
		return nil, status.Errorf(codes.NotFound, "no user %s", userID)
	}
	if len(b.known) >= maxKnownUsers {
		clear(b.known)
	}
	b.known[userID] = res.GetUsers()[0]
	return res.GetUsers()[0], nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// transportCredentials is TLS when asked (-tls, or -ca-file for a private CA), else plaintext h2c.
func transportCredentials(useTLS bool, caFile string) (credentials.TransportCredentials, error) {
	if caFile != "" {
		return credentials.NewClientTLSFromFile(caFile, "")
	}
	if useTLS {
		return credentials.NewClientTLSFromCert(nil, ""), nil
	}
	return insecure.NewCredentials(), nil
}
