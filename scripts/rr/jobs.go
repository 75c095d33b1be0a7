package main

import (
	"io"
	"os"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	jobsv1 "github.com/roadrunner-server/api/v4/build/jobs/v1"
	"github.com/roadrunner-server/errors"
	"github.com/spf13/cobra"
)

// jobsCommand is `rr jobs --list | --pause p1,p2 | --resume p1,p2 | --destroy p1,p2`, with the flags,
// RPC calls (jobs.List/Pause/Resume/Destroy), errors and table of rr's internal/cli/jobs.
func jobsCommand(g *globalFlags) *cobra.Command {
	var pause, destroy, resume, list bool
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "Jobs pipelines manipulation",
		RunE: func(_ *cobra.Command, args []string) error {
			pipes := func(flag string) ([]string, error) {
				if len(args) == 0 {
					return nil, errors.Str("incorrect command usage, should be: rr jobs --" + flag + " pipe1,pipe2")
				}
				return strings.Split(strings.Trim(args[0], " "), ","), nil
			}
			var (
				method string
				names  []string
				err    error
			)
			switch {
			case pause:
				method = "jobs.Pause"
				names, err = pipes("pause")
			case destroy:
				method = "jobs.Destroy"
				names, err = pipes("destroy")
			case resume:
				method = "jobs.Resume"
				names, err = pipes("resume")
			case list:
				method = "jobs.List"
			default:
				return errors.Str("command should be in form of: `rr jobs --<destroy/resume/pause> pipe1,pipe2`")
			}
			if err != nil {
				return err
			}
			client, err := rpcClient(g)
			if err != nil {
				return err
			}
			defer func() { _ = client.Close() }()

			switch method {
			case "jobs.List":
				resp := &jobsv1.Pipelines{}
				if err := client.Call(method, &jobsv1.Empty{}, resp); err != nil {
					return err
				}
				return renderPipelines(os.Stdout, resp.GetPipelines()).Render()
			case "jobs.Destroy":
				resp := &jobsv1.Pipelines{}
				if err := client.Call(method, &jobsv1.Pipelines{Pipelines: names}, resp); err != nil {
					return err
				}
				names = resp.GetPipelines()
			default:
				if err := client.Call(method, &jobsv1.Pipelines{Pipelines: names}, &jobsv1.Empty{}); err != nil {
					return err
				}
			}
			if !g.silent {
				return renderPipelines(os.Stdout, names).Render()
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&pause, "pause", false, "pause pipelines")
	cmd.Flags().BoolVar(&destroy, "destroy", false, "destroy pipelines")
	cmd.Flags().BoolVar(&resume, "resume", false, "resume pipelines")
	cmd.Flags().BoolVar(&list, "list", false, "list pipelines")
	return cmd
}

func renderPipelines(w io.Writer, pipelines []string) *tablewriter.Table {
	t := tablewriter.NewTable(w, tablewriter.WithConfig(tablewriter.Config{
		Header:   tw.CellConfig{Formatting: tw.CellFormatting{AutoFormat: tw.On, AutoWrap: int(tw.Off)}},
		MaxWidth: 150,
		Row:      tw.CellConfig{Alignment: tw.CellAlignment{Global: tw.AlignLeft}},
	}))
	t.Header([]string{"Pipeline(s)"})
	for _, p := range pipelines {
		_ = t.Append([]string{p})
	}
	return t
}
