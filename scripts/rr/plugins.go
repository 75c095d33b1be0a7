package main

import (
	"log/slog"
	"strings"

	"github.com/roadrunner-server/amqp/v5"
	appLogger "github.com/roadrunner-server/app-logger/v5"
	"github.com/roadrunner-server/boltdb/v5"
	"github.com/roadrunner-server/centrifuge/v5"
	"github.com/roadrunner-server/fileserver/v5"
	"github.com/roadrunner-server/gzip/v5"
	"github.com/roadrunner-server/headers/v5"
	httpPlugin "github.com/roadrunner-server/http/v5"
	"github.com/roadrunner-server/informer/v5"
	"github.com/roadrunner-server/jobs/v5"
	"github.com/roadrunner-server/kv/v5"
	"github.com/roadrunner-server/lock/v5"
	"github.com/roadrunner-server/logger/v5"
	"github.com/roadrunner-server/memcached/v5"
	"github.com/roadrunner-server/memory/v5"
	"github.com/roadrunner-server/metrics/v5"
	"github.com/roadrunner-server/prometheus/v5"
	proxyIP "github.com/roadrunner-server/proxy_ip_parser/v5"
	"github.com/roadrunner-server/redis/v5"
	"github.com/roadrunner-server/resetter/v5"
	rpcPlugin "github.com/roadrunner-server/rpc/v5"
	"github.com/roadrunner-server/send/v5"
	"github.com/roadrunner-server/server/v5"
	"github.com/roadrunner-server/service/v5"
	"github.com/roadrunner-server/static/v5"
	"github.com/roadrunner-server/status/v5"
	"github.com/roadrunner-server/tcp/v5"
)

// plugins lists RoadRunner's plugins in the order of its container/plugins.go (v2025.1.15), minus the
// drivers pionia neither uses nor tests (sqs, nats, kafka, beanstalk, google-pub-sub, otel, grpc,
// temporal): they only add build time and dependencies.
func plugins() []any {
	return []any{
		&informer.Plugin{},
		&resetter.Plugin{},
		&lock.Plugin{},
		&logger.Plugin{},
		&appLogger.Plugin{},
		&metrics.Plugin{},
		&rpcPlugin.Plugin{},
		&server.Plugin{},
		&service.Plugin{},
		&centrifuge.Plugin{},
		&jobs.Plugin{},
		&amqp.Plugin{},
		&httpPlugin.Plugin{},
		&static.Plugin{},
		&headers.Plugin{},
		&status.Plugin{},
		&gzip.Plugin{},
		&prometheus.Plugin{},
		&send.Plugin{},
		&proxyIP.Plugin{},
		&fileserver.Plugin{},
		&memory.Plugin{},
		&boltdb.Plugin{},
		&kv.Plugin{},
		&memcached.Plugin{},
		&redis.Plugin{},
		&tcp.Plugin{},
	}
}

func parseLogLevel(s string) slog.Leveler {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "warn", "warning":
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}
