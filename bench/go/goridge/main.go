// Command goridge-bench measures the Go goridge (v3.8.3, the library rr uses) for bench/goridge.ts:
//
//	goridge-bench frames <payloadBytes> <iterations>   encode+decode in memory, prints ops/s
//	goridge-bench rpc <tcp://host:port> <calls> <concurrency>   net/rpc + goridge ClientCodec, prints calls/s
package main

import (
	"bytes"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roadrunner-server/goridge/v3/pkg/frame"
	goridgeRpc "github.com/roadrunner-server/goridge/v3/pkg/rpc"
)

func frames(size, n int) {
	payload := bytes.Repeat([]byte{'x'}, size)
	var sink int
	start := time.Now()
	for i := 0; i < n; i++ {
		f := frame.NewFrame()
		f.WriteVersion(f.Header(), frame.Version1)
		f.WriteFlags(f.Header(), frame.CodecProto)
		f.WriteOptions(f.HeaderPtr(), uint32(16))
		f.WritePayloadLen(f.Header(), uint32(len(payload)))
		f.WritePayload(payload)
		f.WriteCRC(f.Header())
		wire := f.Bytes()

		g := frame.ReadFrame(wire)
		if !g.VerifyCRC(g.Header()) {
			panic("crc")
		}
		opts := g.ReadOptions(g.Header())
		sink += len(g.Payload()) + int(opts[0])
	}
	el := time.Since(start).Seconds()
	fmt.Printf("%.0f\n", float64(n)/el)
	_ = sink
}

func rpcBench(addr string, n, conc int) {
	clients := make([]*rpc.Client, conc)
	for i := range clients {
		conn, err := net.Dial("tcp", strings.TrimPrefix(addr, "tcp://"))
		if err != nil {
			panic(err)
		}
		clients[i] = rpc.NewClientWithCodec(goridgeRpc.NewClientCodec(conn))
	}
	var wg sync.WaitGroup
	per := n / conc
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func(c *rpc.Client) {
			defer wg.Done()
			var out string
			for i := 0; i < per; i++ {
				if err := c.Call("rpc.Version", true, &out); err != nil {
					panic(err)
				}
			}
		}(c)
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	fmt.Printf("%.0f\n", float64(per*conc)/el)
}

func main() {
	switch os.Args[1] {
	case "frames":
		size, _ := strconv.Atoi(os.Args[2])
		n, _ := strconv.Atoi(os.Args[3])
		frames(size, n)
	case "rpc":
		n, _ := strconv.Atoi(os.Args[3])
		c, _ := strconv.Atoi(os.Args[4])
		rpcBench(os.Args[2], n, c)
	}
}
