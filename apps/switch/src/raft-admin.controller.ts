import { Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../../psp/src/admin.guard';
import { ApiHttpError } from '../../psp/src/api-error';
import type { SwitchReplicaView } from '../../../libs/switch/src/replication';
import { RAFT_VIEW } from './tokens';

/** What `GET /admin/raft` answers: this replica's Raft state. */
export type RaftView = SwitchReplicaView;

/** Null on a single (unreplicated) switch node. */
export type RaftViewProvider = (() => RaftView) | null;

/**
 * Raft admin routes of a switch replica, under the same guard as every admin route (loopback and
 * the bearer token): read the replica's role, term, leader and commit index; crash the process on
 * the spot (`kill -9` of itself, after answering 202) for failover tests and the leader-kill fault.
 */
@ApiTags('admin')
@UseGuards(AdminGuard)
@Controller('admin')
export class RaftAdminController {
  constructor(@Inject(RAFT_VIEW) private readonly view: RaftViewProvider) {}

  @Get('raft')
  raft(): RaftView {
    if (!this.view)
      throw new ApiHttpError(404, 'NOT_REPLICATED', 'this switch runs as a single node (no Raft)');
    return this.view();
  }

  @Post('crash')
  @HttpCode(202)
  crash(): { crashing: true; pid: number } {
    // After the 202 has been written: SIGKILL, no cleanup — what a power cut or `kill -9` does.
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 20);
    return { crashing: true, pid: process.pid };
  }
}
