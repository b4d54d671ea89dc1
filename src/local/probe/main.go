// aigw-scale-probe observes what the control plane serves, the way the data plane would see it:
//
//	aigw-scale-probe xds    — a delta-ADS client like Envoy's, against Envoy Gateway's xDS server
//	aigw-scale-probe models — polls the AI Gateway external processor's /v1/models answer
//	aigw-scale-probe version
//
// Events are JSON lines on stdout (`t` = Unix ms); diagnostics go to stderr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// version is set at build time (-X main.version=…) to a hash of the sources, so the build script can tell
// whether a cached binary matches them.
var version = "dev"

const usage = `usage:
  aigw-scale-probe xds --addr HOST:PORT --ca FILE --cert FILE --key FILE --node-id ID --node-cluster NS/GATEWAY [--server-name envoy-gateway]
  aigw-scale-probe models --addr HOST:PORT|unix:///PATH [--interval 500ms] [--host localhost]
  aigw-scale-probe version
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	out := newEmitter()
	var err error
	switch os.Args[1] {
	case "xds":
		err = runXds(ctx, os.Args[2:], out)
	case "models":
		err = runModels(ctx, os.Args[2:], out)
	case "version", "--version":
		fmt.Println(version)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "aigw-scale-probe: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "aigw-scale-probe: %v\n", err)
		os.Exit(2)
	}
}

// emitter writes one JSON object per line; a mutex keeps lines whole.
type emitter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newEmitter() *emitter {
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	return &emitter{enc: enc}
}

func (e *emitter) emit(v any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.enc.Encode(v); err != nil {
		fmt.Fprintf(os.Stderr, "aigw-scale-probe: writing stdout: %v\n", err)
	}
}

func unixMs(t time.Time) int64 { return t.UnixMilli() }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().UTC().Format(time.RFC3339Nano)+" "+format+"\n", args...)
}
