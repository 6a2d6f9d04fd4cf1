// kafkajs rebuilds a crashed consumer (restartOnFailure: a broker gone, a coordinator loading)
// with a new ConsumerGroup that joins as a new member, while the coordinator still holds the old
// one: the join then waits for the old member's session to expire (6 s here, after the broker's
// own start) before anything is assigned. Static membership (group.instance.id) would cure it;
// kafkajs lacks it (upstream #884). This keeps each group's last member id in the process and
// rejoins with it, so the coordinator sees the same member come back. A member id the
// coordinator has forgotten is answered UNKNOWN_MEMBER_ID, and kafkajs then joins afresh. A
// consumer that has left forgets its id. Import it before kafkajs loads, as the others.
import { kafkajsModule } from './kafkajs-internals.js';

type Group = { groupId: string; memberId: string | null; joinAndSync(): Promise<void>; leave(): Promise<void> };

const lastMember = new Map<string, string>();

// undefined for another kafkajs layout: a crashed consumer waits out its old member's session
const ConsumerGroup = kafkajsModule<{ prototype: Group }>('src/consumer/consumerGroup.js');
let installed = false;
if (ConsumerGroup) {
  const join = ConsumerGroup.prototype.joinAndSync;
  const leave = ConsumerGroup.prototype.leave;
  ConsumerGroup.prototype.joinAndSync = async function (this: Group) {
    if (!this.memberId) this.memberId = lastMember.get(this.groupId) ?? null;
    await join.call(this);
    if (this.memberId) lastMember.set(this.groupId, this.memberId);
  };
  // kafkajs leaves on a crash too (before restarting), and with the broker away that fails: only
  // a member that did leave is forgotten
  ConsumerGroup.prototype.leave = async function (this: Group) {
    await leave.call(this);
    lastMember.delete(this.groupId);
  };
  installed = true;
}

export const memberReuseInstalled = (): boolean => installed;
