// KV against the real rr with the boltdb driver (a file in rr's working directory).
import { kvCases } from './kv-cases.js'

kvCases({ driver: 'boltdb', storage: { driver: 'boltdb', config: { file: 'kv.db', permissions: 0o644, interval: 1 } } })
