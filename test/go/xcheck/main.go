// Command xcheck cross-checks pionia's TypeScript goridge codec against the Go implementation rr
// itself uses (github.com/roadrunner-server/goridge/v3, pkg/frame and pkg/pipe).
//
//	xcheck encode   prints JSON test vectors encoded with Go's frame API
//	xcheck decode   reads a frame stream on stdin with Go's pipe relay (rr's own receive path,
//	                which verifies every header CRC) and prints what it decoded, as JSON lines
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/roadrunner-server/goridge/v3/pkg/frame"
	"github.com/roadrunner-server/goridge/v3/pkg/pipe"
)

type vector struct {
	Flags   byte     `json:"flags"`
	Byte10  byte     `json:"byte10"`
	Options []uint32 `json:"options"`
	Payload string   `json:"payload"` // hex
	Frame   string   `json:"frame"`   // hex of the whole encoded frame
}

func encode(flags byte, byte10 byte, options []uint32, payload []byte) vector {
	f := frame.NewFrame()
	f.WriteVersion(f.Header(), frame.Version1)
	f.WriteFlags(f.Header(), flags)
	if len(options) > 0 {
		f.WriteOptions(f.HeaderPtr(), options...)
	}
	f.WritePayloadLen(f.Header(), uint32(len(payload)))
	f.WritePayload(payload)
	f.WriteCRC(f.Header())
	// byte 10 is outside the CRC, set after it as rr does.
	f.Header()[10] = byte10
	if options == nil {
		options = []uint32{}
	}
	return vector{flags, byte10, options, hex.EncodeToString(payload), hex.EncodeToString(f.Bytes())}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: xcheck encode|decode")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "encode":
		big := make([]byte, 65536)
		for i := range big {
			big[i] = byte(i * 7)
		}
		vs := []vector{
			encode(frame.CONTROL|frame.CodecJSON, 0, nil, []byte(`{"pid":4242}`)),
			encode(frame.CONTROL, 0, nil, []byte(`{"pid":5151}`)),
			encode(frame.CodecProto, 0, []uint32{3}, []byte("ctxbody")),
			encode(frame.CodecJSON, 0, []uint32{1, 13}, []byte("informer.Listtrue")),
			encode(0, frame.PONG, nil, nil),
			encode(0, frame.STOP, nil, nil),
			encode(frame.CodecProto, frame.STREAM, []uint32{0}, []byte("chunk")),
			encode(frame.CodecRaw, 0, []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 4294967295}, []byte("ten options")),
			encode(frame.ERROR, 0, nil, []byte("soft error")),
			encode(frame.CodecRaw, 0, []uint32{0}, big),
		}
		_ = json.NewEncoder(os.Stdout).Encode(vs)
	case "decode":
		r := pipe.NewPipeRelay(io.NopCloser(bufio.NewReaderSize(os.Stdin, 1<<20)), nopWriteCloser{})
		enc := json.NewEncoder(os.Stdout)
		for {
			f := frame.NewFrame()
			if err := r.Receive(f); err != nil {
				if err == io.EOF || err.Error() == "EOF" {
					return
				}
				_ = enc.Encode(map[string]string{"error": err.Error()})
				return
			}
			h := f.Header()
			opts := f.ReadOptions(h)
			if opts == nil {
				opts = []uint32{}
			}
			_ = enc.Encode(map[string]any{
				"crcOk":   f.VerifyCRC(h),
				"version": f.ReadVersion(h),
				"flags":   f.ReadFlags(),
				"byte10":  h[10],
				"options": opts,
				"payload": hex.EncodeToString(f.Payload()),
			})
		}
	}
}

type nopWriteCloser struct{}

func (nopWriteCloser) Write(p []byte) (int, error) { return len(p), nil }
func (nopWriteCloser) Close() error                { return nil }
