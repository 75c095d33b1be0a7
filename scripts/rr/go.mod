module pionia.dev/rr

go 1.26

require (
	github.com/roadrunner-server/amqp/v5 v5.2.3
	github.com/roadrunner-server/app-logger/v5 v5.1.9
	github.com/roadrunner-server/boltdb/v5 v5.1.9
	github.com/roadrunner-server/centrifuge/v5 v5.1.9
	github.com/roadrunner-server/config/v5 v5.1.9
	github.com/roadrunner-server/endure/v2 v2.6.2
	github.com/roadrunner-server/errors v1.4.1
	github.com/roadrunner-server/fileserver/v5 v5.1.9
	github.com/roadrunner-server/goridge/v3 v3.8.3
	github.com/roadrunner-server/gzip/v5 v5.3.0
	github.com/roadrunner-server/headers/v5 v5.2.0
	github.com/roadrunner-server/http/v5 v5.3.0
	github.com/roadrunner-server/informer/v5 v5.1.9
	github.com/roadrunner-server/jobs/v5 v5.1.9
	github.com/roadrunner-server/kv/v5 v5.2.9
	github.com/roadrunner-server/lock/v5 v5.1.9
	github.com/roadrunner-server/logger/v5 v5.1.9
	github.com/roadrunner-server/memcached/v5 v5.1.9
	github.com/roadrunner-server/memory/v5 v5.2.9
	github.com/roadrunner-server/metrics/v5 v5.2.0
	github.com/roadrunner-server/prometheus/v5 v5.2.0
	github.com/roadrunner-server/proxy_ip_parser/v5 v5.1.9
	github.com/roadrunner-server/redis/v5 v5.1.10
	github.com/roadrunner-server/resetter/v5 v5.1.9
	github.com/roadrunner-server/rpc/v5 v5.1.9
	github.com/roadrunner-server/send/v5 v5.2.0
	github.com/roadrunner-server/server/v5 v5.2.10
	github.com/roadrunner-server/service/v5 v5.1.9
	github.com/roadrunner-server/static/v5 v5.2.0
	github.com/roadrunner-server/status/v5 v5.1.9
	github.com/roadrunner-server/tcp/v5 v5.1.9
	github.com/spf13/cobra v1.10.1
	github.com/spf13/viper v1.21.0
)

require (
	github.com/andybalholm/brotli v1.2.0 // indirect
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/bradfitz/gomemcache v0.0.0-20250403215159-8d39553ac7cf // indirect
	github.com/caddyserver/certmagic v0.25.1 // indirect
	github.com/caddyserver/zerossl v0.1.4 // indirect
	github.com/cenkalti/backoff/v4 v4.3.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/fatih/color v1.18.0 // indirect
	github.com/felixge/httpsnoop v1.0.4 // indirect
	github.com/fsnotify/fsnotify v1.9.0 // indirect
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/go-ole/go-ole v1.3.0 // indirect
	github.com/go-viper/mapstructure/v2 v2.4.0 // indirect
	github.com/goccy/go-json v0.10.5 // indirect
	github.com/gofiber/fiber/v2 v2.52.9 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/joho/godotenv v1.5.1 // indirect
	github.com/klauspost/compress v1.18.4 // indirect
	github.com/klauspost/cpuid/v2 v2.3.0 // indirect
	github.com/libdns/libdns v1.1.1 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/mattn/go-runewidth v0.0.16 // indirect
	github.com/mholt/acmez v1.2.0 // indirect
	github.com/mholt/acmez/v3 v3.1.4 // indirect
	github.com/miekg/dns v1.1.72 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/pelletier/go-toml/v2 v2.2.4 // indirect
	github.com/prometheus/client_golang v1.23.2 // indirect
	github.com/prometheus/client_model v0.6.2 // indirect
	github.com/prometheus/common v0.67.5 // indirect
	github.com/prometheus/procfs v0.19.2 // indirect
	github.com/quic-go/qpack v0.6.0 // indirect
	github.com/quic-go/quic-go v0.59.0 // indirect
	github.com/rabbitmq/amqp091-go v1.10.0 // indirect
	github.com/redis/go-redis/extra/rediscmd/v9 v9.14.0 // indirect
	github.com/redis/go-redis/extra/redisotel/v9 v9.14.0 // indirect
	github.com/redis/go-redis/extra/redisprometheus/v9 v9.14.0 // indirect
	github.com/redis/go-redis/v9 v9.14.0 // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/roadrunner-server/api/v4 v4.24.0 // indirect
	github.com/roadrunner-server/context v1.2.0 // indirect
	github.com/roadrunner-server/events v1.0.1 // indirect
	github.com/roadrunner-server/pool v1.1.3 // indirect
	github.com/roadrunner-server/priority_queue v1.0.5 // indirect
	github.com/roadrunner-server/tcplisten v1.5.2 // indirect
	github.com/rs/cors v1.11.1 // indirect
	github.com/sagikazarmark/locafero v0.11.0 // indirect
	github.com/shirou/gopsutil v3.21.11+incompatible // indirect
	github.com/sourcegraph/conc v0.3.1-0.20240121214520-5f936abd7ae8 // indirect
	github.com/spf13/afero v1.15.0 // indirect
	github.com/spf13/cast v1.10.0 // indirect
	github.com/spf13/pflag v1.0.10 // indirect
	github.com/subosito/gotenv v1.6.0 // indirect
	github.com/tklauser/go-sysconf v0.3.16 // indirect
	github.com/tklauser/numcpus v0.11.0 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasthttp v1.65.0 // indirect
	github.com/vmihailenco/msgpack/v5 v5.4.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	github.com/yusufpapurcu/wmi v1.2.4 // indirect
	github.com/zeebo/blake3 v0.2.4 // indirect
	go.etcd.io/bbolt v1.4.3 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/contrib/instrumentation/github.com/bradfitz/gomemcache/memcache/otelmemcache v0.43.0 // indirect
	go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp v0.65.0 // indirect
	go.opentelemetry.io/contrib/propagators/jaeger v1.40.0 // indirect
	go.opentelemetry.io/otel v1.40.0 // indirect
	go.opentelemetry.io/otel/metric v1.40.0 // indirect
	go.opentelemetry.io/otel/sdk v1.40.0 // indirect
	go.opentelemetry.io/otel/trace v1.40.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.27.1 // indirect
	go.uber.org/zap/exp v0.3.0 // indirect
	go.yaml.in/yaml/v2 v2.4.3 // indirect
	go.yaml.in/yaml/v3 v3.0.4 // indirect
	golang.org/x/crypto v0.50.0 // indirect
	golang.org/x/mod v0.34.0 // indirect
	golang.org/x/net v0.53.0 // indirect
	golang.org/x/sync v0.20.0 // indirect
	golang.org/x/sys v0.43.0 // indirect
	golang.org/x/text v0.36.0 // indirect
	golang.org/x/tools v0.43.0 // indirect
	google.golang.org/genproto v0.0.0-20260202165425-ce8ad4cf556b // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260406210006-6f92a3bedf2d // indirect
	google.golang.org/grpc v1.80.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
	gopkg.in/natefinch/lumberjack.v2 v2.2.1 // indirect
)
