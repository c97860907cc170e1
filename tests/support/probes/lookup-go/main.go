// fabcheck's Go probe: `lookup hosts NAME...` resolves each NAME with Go's net package and
// prints what glibc's `getent hosts` prints — one "ADDRESS CANONICAL-NAME" line per
// address — so fabcheck reads its output the same way. Exit 0 when every name resolved, 2
// otherwise (getent's convention), 1 on a usage error.
//
// Built with CGO_ENABLED=0 the net package has only its own resolver
// (net/dnsclient_unix.go): servers in order, every failing candidate followed by the next.
// The name printed as canonical is the question of the reply that carried the addresses, read
// off the resolver's own connections (Go has no API that returns the candidate that answered
// without a second lookup).
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
)

var (
	mu       sync.Mutex
	answered string
)

// observedUDP wraps the resolver's UDP connection and notes the question of every reply with
// an A or AAAA answer. It stays a net.PacketConn (the embedded *net.UDPConn), which is how the
// resolver tells datagram framing from stream framing.
type observedUDP struct {
	*net.UDPConn
}

func (c observedUDP) Read(b []byte) (int, error) {
	n, err := c.UDPConn.Read(b)
	if err == nil {
		note(b[:n])
	}
	return n, err
}

func note(msg []byte) {
	if len(msg) < 12 || msg[3]&15 != 0 || (int(msg[6])<<8|int(msg[7])) == 0 {
		return
	}
	var labels []string
	i := 12
	for i < len(msg) && msg[i] != 0 {
		l := int(msg[i])
		if l&0xc0 != 0 || i+1+l > len(msg) {
			return
		}
		labels = append(labels, string(msg[i+1:i+1+l]))
		i += 1 + l
	}
	if i+3 > len(msg) {
		return
	}
	qtype := int(msg[i+1])<<8 | int(msg[i+2])
	if qtype != 1 && qtype != 28 {
		return
	}
	mu.Lock()
	answered = strings.Join(labels, ".")
	mu.Unlock()
}

func main() {
	if len(os.Args) < 2 || os.Args[1] != "hosts" {
		fmt.Fprintf(os.Stderr, "usage: %s hosts NAME...\n", os.Args[0])
		os.Exit(1)
	}
	var d net.Dialer
	r := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, address)
			if err != nil {
				return nil, err
			}
			if udp, ok := conn.(*net.UDPConn); ok {
				return observedUDP{udp}, nil
			}
			return conn, nil
		},
	}
	status := 0
	for _, name := range os.Args[2:] {
		mu.Lock()
		answered = ""
		mu.Unlock()
		addrs, err := r.LookupHost(context.Background(), name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			status = 2
			continue
		}
		mu.Lock()
		canon := answered
		mu.Unlock()
		if canon == "" {
			canon = name // from /etc/hosts, or over TCP
		}
		for _, a := range addrs {
			fmt.Printf("%s %s\n", a, canon)
		}
	}
	os.Exit(status)
}
