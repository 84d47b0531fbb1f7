// Entry point: one dispatcher for all kernels. Host and workers call run(kernelId, argsPtr, part, parts).
import { kFill, kUnary, kBinary, kWhere, kCopy, kCast, kSgd, kAxpby } from './elementwise';
import { kReduce, kGatherRows, kScatterAddRows, kScatterRows, kTakeAlongLast, kPutAlongLastAdd, kTopk, kLogSoftmax } from './rows';
import { kMatmul, kConv2d, kConv2dBackwardInput, kConv2dBackwardFilter } from './conv';
import { kChannelSums, kChannelAffine, kPrelu, kPreluBackward } from './channel';
import { GEMM_SCRATCH } from './gemm';

// Kernel ids follow KERNEL_NAMES in engine/kernels.ts.
export function run(kid: i32, args: usize, part: i32, parts: i32): void {
  switch (kid) {
    case 0: kFill(args, part, parts); break;
    case 1: kUnary(args, part, parts); break;
    case 2: kBinary(args, part, parts); break;
    case 3: kWhere(args, part, parts); break;
    case 4: kCopy(args, part, parts); break;
    case 5: kCast(args, part, parts); break;
    case 6: kReduce(args, part, parts); break;
    case 7: kMatmul(args, part, parts); break;
    case 8: kGatherRows(args, part, parts); break;
    case 9: kScatterAddRows(args, part, parts); break;
    case 10: kScatterRows(args, part, parts); break;
    case 11: kTakeAlongLast(args, part, parts); break;
    case 12: kPutAlongLastAdd(args, part, parts); break;
    case 13: kTopk(args, part, parts); break;
    case 14: kLogSoftmax(args, part, parts); break;
    case 15: kConv2d(args, part, parts); break;
    case 16: kConv2dBackwardInput(args, part, parts); break;
    case 17: kConv2dBackwardFilter(args, part, parts); break;
    case 18: kSgd(args, part, parts); break;
    case 19: kAxpby(args, part, parts); break;
    case 20: kChannelSums(args, part, parts); break;
    case 21: kChannelAffine(args, part, parts); break;
    case 22: kPrelu(args, part, parts); break;
    case 23: kPreluBackward(args, part, parts); break;
    default: break;
  }
}

export function heapBase(): usize { return __heap_base; }
export function gemmScratchBytes(): i32 { return GEMM_SCRATCH; }
