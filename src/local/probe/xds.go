package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"
)

const (
	typeCluster  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	typeListener = "type.googleapis.com/envoy.config.listener.v3.Listener"
	typeRoute    = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	// Thousands of routes make RDS/CDS responses far larger than gRPC's 4 MiB default.
	maxRecvBytes   = 512 << 20
	noResponseHint = 15 * time.Second
)

type xdsConfig struct {
	addr, ca, cert, key, serverName, nodeID, nodeCluster string
}

type resourceLine struct {
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Bytes   int       `json:"bytes"`
	Routes  *[]string `json:"routes,omitempty"`
}

type updateLine struct {
	T             int64          `json:"t"`
	Type          string         `json:"type"`
	TypeURL       string         `json:"typeUrl"`
	SystemVersion string         `json:"systemVersion"`
	Added         []resourceLine `json:"added"`
	Removed       []string       `json:"removed"`
}

// unsubscribedLine: names this client stopped watching (no listener refers to them any more), which
// Envoy drops from its own state; the server sends no removal for them.
type unsubscribedLine struct {
	T       int64    `json:"t"`
	Type    string   `json:"type"`
	TypeURL string   `json:"typeUrl"`
	Names   []string `json:"names"`
}

type eventLine struct {
	T     int64  `json:"t"`
	Type  string `json:"type"`
	Error string `json:"error,omitempty"`
}

func runXds(ctx context.Context, args []string, out *emitter) error {
	var c xdsConfig
	fs := flag.NewFlagSet("xds", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", "", "Envoy Gateway xDS address, HOST:PORT")
	fs.StringVar(&c.ca, "ca", "", "CA certificate (PEM) that signed the server certificate")
	fs.StringVar(&c.cert, "cert", "", "client certificate (PEM)")
	fs.StringVar(&c.key, "key", "", "client key (PEM)")
	fs.StringVar(&c.serverName, "server-name", "envoy-gateway", "name to verify in the server certificate")
	fs.StringVar(&c.nodeID, "node-id", "", "node id (an Envoy pod name)")
	fs.StringVar(&c.nodeCluster, "node-cluster", "", "node cluster: Envoy Gateway's IR key, <gateway-namespace>/<gateway-name>")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{{"addr", c.addr}, {"ca", c.ca}, {"cert", c.cert}, {"key", c.key}, {"node-id", c.nodeID}, {"node-cluster", c.nodeCluster}} {
		if f.value == "" {
			return fmt.Errorf("xds: --%s is required", f.name)
		}
	}
	backoff := 250 * time.Millisecond
	for {
		gotResponse, err := xdsSession(ctx, c, out)
		if ctx.Err() != nil {
			return nil
		}
		out.emit(eventLine{T: unixMs(time.Now()), Type: "disconnected", Error: err.Error()})
		logf("xds: disconnected: %v; retrying in %v", err, backoff)
		if gotResponse {
			backoff = 250 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		if !gotResponse {
			backoff = min(backoff*2, 5*time.Second)
		}
	}
}

// Files are read on every attempt: the caller may write them late or certgen may rotate them.
func xdsCredentials(c xdsConfig) (credentials.TransportCredentials, error) {
	pair, err := tls.LoadX509KeyPair(c.cert, c.key)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	caPEM, err := os.ReadFile(c.ca)
	if err != nil {
		return nil, fmt.Errorf("CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("CA: no certificate in %s", c.ca)
	}
	return credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      pool,
		ServerName:   c.serverName,
		MinVersion:   tls.VersionTLS12,
	}), nil
}

// xdsSession runs one ADS stream until it fails; it reports whether any response arrived.
func xdsSession(ctx context.Context, c xdsConfig, out *emitter) (bool, error) {
	creds, err := xdsCredentials(c)
	if err != nil {
		return false, err
	}
	conn, err := grpc.NewClient(c.addr, grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvBytes)))
	if err != nil {
		return false, err
	}
	defer conn.Close()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).DeltaAggregatedResources(sctx)
	if err != nil {
		return false, err
	}
	// Like Envoy with set_node_on_first_message_only: the node goes on the first request only, and an
	// empty first subscription means "wildcard".
	node := &corev3.Node{Id: c.nodeID, Cluster: c.nodeCluster, UserAgentName: "aigw-scale-probe",
		UserAgentVersionType: &corev3.Node_UserAgentVersion{UserAgentVersion: version}}
	if err := stream.Send(&discoveryv3.DeltaDiscoveryRequest{Node: node, TypeUrl: typeCluster}); err != nil {
		return false, err
	}
	if err := stream.Send(&discoveryv3.DeltaDiscoveryRequest{TypeUrl: typeListener}); err != nil {
		return false, err
	}
	out.emit(eventLine{T: unixMs(time.Now()), Type: "connected"})
	// EG answers only nodes whose cluster names a Gateway it has translated; otherwise it stays silent.
	var got atomic.Bool
	hint := time.AfterFunc(noResponseHint, func() {
		if !got.Load() {
			logf("xds: no response %v after connecting; is --node-cluster %q the Gateway's <namespace>/<name>, and does it have listeners?", noResponseHint, c.nodeCluster)
		}
	})
	defer hint.Stop()

	s := &xdsState{listenerRoutes: map[string][]string{}, subscribed: map[string]bool{}}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return got.Load(), err
		}
		got.Store(true)
		t := time.Now()
		line, reqs, err := s.handle(resp, t)
		if err != nil {
			// Envoy would NACK; EG never sends what Envoy cannot decode, so say so loudly and ACK anyway.
			logf("xds: %s: %v", resp.GetTypeUrl(), err)
		}
		out.emit(line)
		for _, r := range reqs {
			if len(r.ResourceNamesUnsubscribe) > 0 {
				out.emit(unsubscribedLine{T: unixMs(t), Type: "unsubscribed", TypeURL: r.TypeUrl, Names: r.ResourceNamesUnsubscribe})
			}
			if err := stream.Send(r); err != nil {
				return true, err
			}
		}
	}
}

// xdsState follows the listeners' RDS names, as Envoy subscribes to route configurations on demand.
type xdsState struct {
	listenerRoutes map[string][]string // listener name → route configuration names
	subscribed     map[string]bool
}

// handle turns one response into its output line and the requests to send: an RDS subscription change
// (when listeners changed) before the ACK, in Envoy's order.
func (s *xdsState) handle(resp *discoveryv3.DeltaDiscoveryResponse, t time.Time) (updateLine, []*discoveryv3.DeltaDiscoveryRequest, error) {
	line := updateLine{T: unixMs(t), Type: "update", TypeURL: resp.GetTypeUrl(), SystemVersion: resp.GetSystemVersionInfo(),
		Added: []resourceLine{}, Removed: append([]string{}, resp.GetRemovedResources()...)}
	var errs []error
	for _, r := range resp.GetResources() {
		entry := resourceLine{Name: r.GetName(), Version: r.GetVersion(), Bytes: proto.Size(r.GetResource())}
		switch resp.GetTypeUrl() {
		case typeListener:
			names, err := rdsNames(r.GetResource().GetValue())
			if err != nil {
				errs = append(errs, fmt.Errorf("listener %s: %w", r.GetName(), err))
			}
			s.listenerRoutes[r.GetName()] = names
		case typeRoute:
			routes, err := routeNames(r.GetResource().GetValue())
			if err != nil {
				errs = append(errs, fmt.Errorf("route configuration %s: %w", r.GetName(), err))
			}
			entry.Routes = &routes
		}
		line.Added = append(line.Added, entry)
	}
	var reqs []*discoveryv3.DeltaDiscoveryRequest
	if resp.GetTypeUrl() == typeListener {
		for _, name := range resp.GetRemovedResources() {
			delete(s.listenerRoutes, name)
		}
		if r := s.rdsChange(); r != nil {
			reqs = append(reqs, r)
		}
	}
	reqs = append(reqs, &discoveryv3.DeltaDiscoveryRequest{TypeUrl: resp.GetTypeUrl(), ResponseNonce: resp.GetNonce()})
	return line, reqs, errors.Join(errs...)
}

// rdsChange returns the subscription request that makes the RDS subscription match the listeners, or nil.
func (s *xdsState) rdsChange() *discoveryv3.DeltaDiscoveryRequest {
	want := map[string]bool{}
	for _, names := range s.listenerRoutes {
		for _, n := range names {
			want[n] = true
		}
	}
	var sub, unsub []string
	for n := range want {
		if !s.subscribed[n] {
			sub = append(sub, n)
		}
	}
	for n := range s.subscribed {
		if !want[n] {
			unsub = append(unsub, n)
		}
	}
	if len(sub) == 0 && len(unsub) == 0 {
		return nil
	}
	sort.Strings(sub)
	sort.Strings(unsub)
	s.subscribed = want
	return &discoveryv3.DeltaDiscoveryRequest{TypeUrl: typeRoute, ResourceNamesSubscribe: sub, ResourceNamesUnsubscribe: unsub}
}

// rdsNames lists the route configuration names the listener's HTTP connection managers load over RDS.
func rdsNames(b []byte) ([]string, error) {
	var l listenerv3.Listener
	if err := proto.Unmarshal(b, &l); err != nil {
		return nil, err
	}
	chains := l.GetFilterChains()
	if d := l.GetDefaultFilterChain(); d != nil {
		chains = append(chains, d)
	}
	var names []string
	for _, chain := range chains {
		for _, f := range chain.GetFilters() {
			tc := f.GetTypedConfig()
			if tc == nil || tc.GetTypeUrl() != "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" {
				continue
			}
			var hcm hcmv3.HttpConnectionManager
			if err := proto.Unmarshal(tc.GetValue(), &hcm); err != nil {
				return names, err
			}
			if n := hcm.GetRds().GetRouteConfigName(); n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names, nil
}

// routeNames lists, in order, the names of every virtual host's routes that forward to a cluster: a route
// answered by Envoy itself (a direct response, such as Envoy Gateway's 500 for an unresolved backend, or a
// redirect) is in the config but does not serve the route's traffic.
func routeNames(b []byte) ([]string, error) {
	var rc routev3.RouteConfiguration
	if err := proto.Unmarshal(b, &rc); err != nil {
		return []string{}, err
	}
	names := []string{}
	for _, vh := range rc.GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			if r.GetRoute() == nil {
				continue
			}
			names = append(names, r.GetName())
		}
	}
	return names, nil
}
