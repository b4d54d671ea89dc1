package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"sort"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

type modelsLine struct {
	T       int64    `json:"t"`
	Type    string   `json:"type"`
	Count   int      `json:"count"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// Identical consecutive errors are printed at most this often.
const errorRepeatEvery = 10 * time.Second

func runModels(ctx context.Context, args []string, out *emitter) error {
	fs := flag.NewFlagSet("models", flag.ContinueOnError)
	addr := fs.String("addr", "", "external processor gRPC address: HOST:PORT or unix:///PATH")
	interval := fs.Duration("interval", 500*time.Millisecond, "poll interval")
	host := fs.String("host", "localhost", ":authority of the request (the extproc may list models per host)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *addr == "" {
		return fmt.Errorf("models: --addr is required")
	}
	if *interval <= 0 {
		return fmt.Errorf("models: --interval must be positive")
	}
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvBytes)))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := extprocv3.NewExternalProcessorClient(conn)

	var known map[string]bool // nil until the first successful poll
	var lastErr string
	var lastErrAt time.Time
	ticker := time.NewTicker(*interval)
	defer ticker.Stop()
	for seq := 1; ; seq++ {
		ids, t, err := pollModels(ctx, client, *host, fmt.Sprintf("aigw-scale-probe-%d-%d", time.Now().UnixNano(), seq), max(*interval*4, 5*time.Second))
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if msg := err.Error(); msg != lastErr || time.Since(lastErrAt) >= errorRepeatEvery {
				out.emit(eventLine{T: unixMs(t), Type: "error", Error: msg})
				lastErr, lastErrAt = msg, time.Now()
			}
		} else {
			lastErr = ""
			if line, changed := diffModels(known, ids, t); changed {
				out.emit(line)
			}
			known = ids
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// pollModels asks as Envoy's router-level ext_proc filter would (request headers, no attributes) and reads
// the model list from the immediate response.
func pollModels(ctx context.Context, client extprocv3.ExternalProcessorClient, host, requestID string, timeout time.Duration) (map[string]bool, time.Time, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stream, err := client.Process(cctx)
	if err != nil {
		return nil, time.Now(), err
	}
	header := func(k, v string) *corev3.HeaderValue { return &corev3.HeaderValue{Key: k, RawValue: []byte(v)} }
	err = stream.Send(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{
		RequestHeaders: &extprocv3.HttpHeaders{EndOfStream: true, Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
			header(":method", "GET"), header(":path", "/v1/models"), header(":authority", host),
			header(":scheme", "http"), header("x-request-id", requestID),
		}}},
	}})
	if err != nil {
		return nil, time.Now(), err
	}
	resp, err := stream.Recv()
	t := time.Now()
	_ = stream.CloseSend()
	if err != nil {
		return nil, t, err
	}
	ir := resp.GetImmediateResponse()
	if ir == nil {
		return nil, t, fmt.Errorf("expected an immediate response, got %T", resp.GetResponse())
	}
	if code := ir.GetStatus().GetCode(); code != 200 {
		return nil, t, fmt.Errorf("immediate response status %d: %s", code, truncate(string(ir.GetBody()), 200))
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ir.GetBody(), &list); err != nil {
		return nil, t, fmt.Errorf("model list: %w", err)
	}
	ids := make(map[string]bool, len(list.Data))
	for _, m := range list.Data {
		ids[m.ID] = true
	}
	return ids, t, nil
}

// diffModels reports a change; the first poll (known == nil) always reports, listing everything as added.
func diffModels(known, ids map[string]bool, t time.Time) (modelsLine, bool) {
	line := modelsLine{T: unixMs(t), Type: "models", Count: len(ids), Added: []string{}, Removed: []string{}}
	for id := range ids {
		if !known[id] {
			line.Added = append(line.Added, id)
		}
	}
	for id := range known {
		if !ids[id] {
			line.Removed = append(line.Removed, id)
		}
	}
	sort.Strings(line.Added)
	sort.Strings(line.Removed)
	return line, known == nil || len(line.Added) > 0 || len(line.Removed) > 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
