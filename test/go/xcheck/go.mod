module pionia.dev/xcheck

go 1.26

require github.com/roadrunner-server/goridge/v3 v3.8.3

require github.com/roadrunner-server/errors v1.4.0 // indirect
