// Command rr is RoadRunner assembled from its genuine plugin modules.
//
// Why this file exists: the Go module proxy reachable from our build machines refuses the module
// github.com/roadrunner-server/roadrunner/v2025 itself (HTTP 403 "This module version is not
// available" for every version), while it serves every plugin module that RoadRunner v2025.1.15
// pins (server, pool, http, jobs, goridge, endure, config, ...). RoadRunner's main module is only a
// thin shell around those plugins: a cobra CLI, a plugin list and the endure container. This file is
// our own, small version of that shell, following RoadRunner's documented CLI behaviour. Everything
// that talks to workers, listens for HTTP or runs jobs is RoadRunner's own code at the pinned
// versions listed in go.mod. scripts/build-rr builds it; the version is stamped with -ldflags.
package main

import (
	"fmt"
	"net"
	"net/rpc"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roadrunner-server/endure/v2"
	"github.com/roadrunner-server/errors"
	goridgeRpc "github.com/roadrunner-server/goridge/v3/pkg/rpc"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	configImpl "github.com/roadrunner-server/config/v5"
)

// Stamped by scripts/build-rr with -ldflags "-X main.version=... -X main.buildTime=...".
var (
	version   = "local"
	buildTime = "development"
)

type globalFlags struct {
	cfgFile      string
	workDir      string
	dotenv       string
	override     []string
	silent       bool
	pidFile      bool
	debug        bool
	experimental bool
	force        bool
}

func main() {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "rr",
		Short:         "High-performance PHP application server, process manager written in Golang and powered with ❤️ (by SpiralScout)",
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       fmt.Sprintf("%s (build time: %s, %s), OS: %s, arch: %s", version, buildTime, runtime.Version(), runtime.GOOS, runtime.GOARCH),
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return g.prepare()
		},
	}
	root.SetVersionTemplate("rr version {{.Version}}\n")
	f := root.PersistentFlags()
	// The same flags, order and help texts as rr's internal/cli/root.go.
	f.BoolVarP(&g.experimental, "enable-experimental", "e", false, "enable experimental features")
	f.BoolVarP(&g.force, "force", "f", false, "force stop")
	f.BoolVarP(&g.pidFile, "pid", "p", false, "create a .pid file")
	f.StringVarP(&g.cfgFile, "config", "c", ".rr.yaml", "config file")
	f.StringVarP(&g.workDir, "WorkDir", "w", "", "working directory")
	f.StringVar(&g.dotenv, "dotenv", "", "dotenv file [$DOTENV_PATH]")
	f.BoolVarP(&g.debug, "debug", "d", false, "debug mode")
	f.BoolVarP(&g.silent, "silent", "s", false, "do not print startup message")
	f.StringArrayVarP(&g.override, "override", "o", nil, "override config value (dot.notation=value)")

	root.AddCommand(workersCommand(g), resetCommand(g), serveCommand(g), stopCommand(g), jobsCommand(g))
	if err := root.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "\x1b[31m%s\x1b[0m\n", err)
		os.Exit(1)
	}
}

// prepare resolves the config path and switches to the working directory: -w if given, otherwise
// the directory of the config file, as RoadRunner does.
func (g *globalFlags) prepare() error {
	if g.dotenv == "" {
		g.dotenv = os.Getenv("DOTENV_PATH")
	}
	if g.dotenv != "" {
		if err := loadDotenv(g.dotenv); err != nil {
			return err
		}
	}
	abs, err := filepath.Abs(g.cfgFile)
	if err != nil {
		return err
	}
	g.cfgFile = abs
	dir := g.workDir
	if dir == "" {
		dir = filepath.Dir(abs)
	}
	return os.Chdir(dir)
}

func loadDotenv(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("dotenv: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		_ = os.Setenv(strings.TrimSpace(k), v)
	}
	return nil
}

// --- serve ---

type containerConfig struct {
	GracePeriod time.Duration `mapstructure:"grace_period"`
	PrintGraph  bool          `mapstructure:"print_graph"`
	LogLevel    string        `mapstructure:"log_level"`
}

func readContainerConfig(path string) (*containerConfig, error) {
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, err
	}
	if v.IsSet("temporal") {
		return nil, errors.Str("this rr has no temporal plugin: the Go module proxy refuses " +
			"github.com/temporalio/roadrunner-temporal (see scripts/rr/README.md in pionia). Remove the " +
			"temporal section from " + filepath.Base(path) + ", or use an official rr release binary " +
			"(npx pionia rr:setup --source=github, or --binary=<path>)")
	}
	cfg := &containerConfig{GracePeriod: 30 * time.Second, LogLevel: "error"}
	if v.IsSet("endure") {
		if err := v.UnmarshalKey("endure", cfg); err != nil {
			return nil, err
		}
	}
	if cfg.GracePeriod == 0 {
		cfg.GracePeriod = 30 * time.Second
	}
	return cfg, nil
}

func serveCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Start RoadRunner server",
		RunE: func(*cobra.Command, []string) error {
			const op = errors.Op("handle_serve_command")
			cc, err := readContainerConfig(g.cfgFile)
			if err != nil {
				return errors.E(op, err)
			}
			if g.pidFile {
				if err := os.WriteFile(".pid", []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
					return errors.E(op, err)
				}
				defer func() { _ = os.Remove(".pid") }()
			}
			cfg := &configImpl.Plugin{
				Path:                 g.cfgFile,
				Timeout:              cc.GracePeriod,
				Flags:                g.override,
				Version:              version,
				ExperimentalFeatures: g.experimental,
			}
			opts := []endure.Options{endure.GracefulShutdownTimeout(cc.GracePeriod)}
			if cc.PrintGraph {
				opts = append(opts, endure.Visualize())
			}
			if g.debug {
				opts = append(opts, endure.EnableProfiler())
			}
			cont := endure.New(parseLogLevel(cc.LogLevel), opts...)
			if err := cont.RegisterAll(append(plugins(), cfg)...); err != nil {
				return errors.E(op, err)
			}
			if err := cont.Init(); err != nil {
				return errors.E(op, err)
			}
			errCh, err := cont.Serve()
			if err != nil {
				return errors.E(op, err)
			}

			signals, stop := make(chan os.Signal, 5), make(chan struct{}, 1)
			signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGINT, syscall.SIGABRT, syscall.SIGQUIT)
			go func() {
				<-signals
				stop <- struct{}{}
				<-signals
				fmt.Println("exit forced")
				os.Exit(1)
			}()
			if !g.silent {
				fmt.Printf("[INFO] RoadRunner server started; version: %s, buildtime: %s\n", version, buildTime)
			}
			for {
				select {
				case e := <-errCh:
					return fmt.Errorf("error: %w\nplugin: %s", e.Error, e.VertexID)
				case <-stop:
					fmt.Printf("stop signal received, grace timeout is: %0.f seconds\n", cc.GracePeriod.Seconds())
					if err := cont.Stop(); err != nil {
						return fmt.Errorf("error: %w", err)
					}
					return nil
				}
			}
		},
	}
}

// --- workers / reset (informer and resetter over goridge RPC) ---

func rpcClient(g *globalFlags) (*rpc.Client, error) {
	v := viper.New()
	v.SetConfigFile(g.cfgFile)
	if err := v.ReadInConfig(); err != nil {
		return nil, err
	}
	addr := "tcp://127.0.0.1:6001"
	if s := v.GetString("rpc.listen"); s != "" {
		addr = os.ExpandEnv(s)
	}
	for _, o := range g.override {
		if k, val, ok := strings.Cut(o, "="); ok && k == "rpc.listen" {
			addr = val
		}
	}
	network, address, ok := strings.Cut(addr, "://")
	if !ok {
		return nil, fmt.Errorf("invalid rpc.listen %q (use tcp://host:port or unix://path)", addr)
	}
	conn, err := net.DialTimeout(network, address, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("rpc: cannot connect to %s: %w (is rr serve running with the rpc plugin?)", addr, err)
	}
	return rpc.NewClientWithCodec(goridgeRpc.NewClientCodec(conn)), nil
}

type processState struct {
	Pid         int64   `json:"pid"`
	Status      int64   `json:"status"`
	NumExecs    uint64  `json:"numExecs"`
	Created     int64   `json:"created"`
	MemoryUsage uint64  `json:"memoryUsage"`
	CPUPercent  float64 `json:"CPUPercent"`
	Command     string  `json:"command"`
	StatusStr   string  `json:"statusStr"`
}

type workerList struct {
	Workers []*processState `json:"workers"`
}

func workersCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "workers",
		Short: "Show information about active RoadRunner workers",
		RunE: func(_ *cobra.Command, args []string) error {
			client, err := rpcClient(g)
			if err != nil {
				return err
			}
			defer func() { _ = client.Close() }()
			plugins := args
			if len(plugins) == 0 {
				if err := client.Call("informer.List", true, &plugins); err != nil {
					return err
				}
			}
			sort.Strings(plugins)
			for _, p := range plugins {
				var list workerList
				if err := client.Call("informer.Workers", p, &list); err != nil {
					return err
				}
				fmt.Printf("Workers of [%s]:\n", p)
				fmt.Printf("%-10s %-10s %-10s %-12s %s\n", "PID", "STATUS", "EXECS", "MEMORY", "CREATED")
				for _, w := range list.Workers {
					fmt.Printf("%-10d %-10s %-10d %-12s %s\n", w.Pid, w.StatusStr, w.NumExecs,
						fmt.Sprintf("%.1f MB", float64(w.MemoryUsage)/1024/1024),
						time.Unix(0, w.Created).Format(time.RFC3339))
				}
			}
			return nil
		},
	}
}

func resetCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "reset",
		Short: "Reset workers of all or specific RoadRunner service",
		RunE: func(_ *cobra.Command, args []string) error {
			client, err := rpcClient(g)
			if err != nil {
				return err
			}
			defer func() { _ = client.Close() }()
			services := args
			if len(services) == 0 {
				if err := client.Call("resetter.List", true, &services); err != nil {
					return err
				}
			}
			for _, s := range services {
				var done bool
				if err := client.Call("resetter.Reset", s, &done); err != nil {
					return fmt.Errorf("reset %s: %w", s, err)
				}
				if !g.silent {
					fmt.Printf("Resetting plugin: [%s] done\n", s)
				}
			}
			return nil
		},
	}
}

// --- stop ---

func stopCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop RoadRunner server",
		RunE: func(*cobra.Command, []string) error {
			data, err := os.ReadFile(".pid")
			if err != nil {
				return fmt.Errorf("%w: run RR with the pid flag: ./rr serve -p", err)
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil {
				return fmt.Errorf("invalid .pid file: %w", err)
			}
			proc, err := os.FindProcess(pid)
			if err != nil {
				return err
			}
			if !g.silent {
				fmt.Printf("Stopping RoadRunner, pid: %d\n", pid)
			}
			if err := proc.Signal(syscall.SIGTERM); err != nil {
				return err
			}
			if g.force {
				time.Sleep(time.Second)
				_ = proc.Signal(syscall.SIGTERM)
			}
			return nil
		},
	}
}
