// KV against the real rr with the memory driver (the default storage of the shipped .rr.yaml).
import { kvCases } from './kv-cases.js'

kvCases({ driver: 'memory', storage: { driver: 'memory', config: {} } })
