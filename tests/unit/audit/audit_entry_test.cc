#include "service/audit/audit_entry.h"

#include <gtest/gtest.h>

#include <vector>

#include "service/audit/audit_stats.h"

namespace moderation::audit {
namespace {

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

Event Decision(Action action, const std::string& actor, const std::string& comment,
               bool flagged = false, const std::string& reason = "") {
  Event event;
  event.action = action;
  event.actor = actor;
  event.time = absl::FromUnixMillis(1790000000000);
  event.comment_id = comment;
  event.flagged = flagged;
  event.rejection_reason = reason;
  return event;
}

// Appends as a store would: seal, then take the entry as the new head.
std::vector<Entry> Chain(const std::vector<Event>& events) {
  AuditChain chain(kKey);
  std::vector<Entry> entries;
  for (const Event& event : events) {
    Entry entry = chain.Seal(event);
    entry.entry_id = "1790000000000-" + std::to_string(entries.size());
    chain.Appended(entry);
    entries.push_back(entry);
  }
  return entries;
}

std::optional<Break> Verify(const std::vector<Entry>& entries, const ChainHead& head) {
  ChainVerifier verifier(kKey);
  for (const Entry& entry : entries) {
    verifier.Feed(entry);
  }
  verifier.Finish(head);
  return verifier.first_break();
}

ChainHead HeadOf(const std::vector<Entry>& entries) {
  return entries.empty() ? ChainHead{} : ChainHead{entries.back().sequence, entries.back().mac};
}

std::vector<Entry> ThreeDecisions() {
  return Chain({Decision(Action::kApprove, "lan", "c1"),
                Decision(Action::kReject, "lan", "c2", true, "spam"),
                Decision(Action::kApprove, "mai", "c3")});
}

TEST(AuditChainTest, EachEntryFollowsTheOneBefore) {
  const std::vector<Entry> entries = ThreeDecisions();
  EXPECT_EQ(entries[0].sequence, 1);
  EXPECT_TRUE(entries[0].prev_mac.empty());
  EXPECT_EQ(entries[1].prev_mac, entries[0].mac);
  EXPECT_EQ(entries[2].sequence, 3);
  EXPECT_EQ(entries[2].mac.size(), 64u);
  EXPECT_FALSE(Verify(entries, HeadOf(entries)).has_value());
  EXPECT_FALSE(Verify({}, ChainHead{}).has_value());
}

TEST(AuditChainTest, TheMacCoversEveryField) {
  const Entry original = ThreeDecisions()[1];
  std::vector<Entry> variants(12, original);
  variants[0].event.actor = "mai";
  variants[1].event.action = Action::kApprove;
  variants[2].event.comment_id = "c9";
  variants[3].event.rejection_reason = "offensive";
  variants[4].event.undone = Action::kApprove;
  variants[5].event.note = "x";
  variants[6].event.ban_id = "ip-1";
  variants[7].event.ban_target = "1.2.3.0/24";
  variants[8].event.ban_reason = "x";
  variants[9].event.flagged = false;
  variants[10].event.time += absl::Milliseconds(1);
  variants[11].prev_mac = std::string(64, '0');
  for (const Entry& variant : variants) {
    EXPECT_NE(EntryMac(kKey, variant), original.mac);
  }
  Entry renumbered = original;
  renumbered.sequence = 7;
  EXPECT_NE(EntryMac(kKey, renumbered), original.mac);
  // Fields do not run into each other: moving text between them changes it.
  Entry a = original;
  a.event.note = "ab";
  a.event.ban_id = "";
  Entry b = original;
  b.event.note = "a";
  b.event.ban_id = "b";
  EXPECT_NE(EntryMac(kKey, a), EntryMac(kKey, b));
  EXPECT_NE(EntryMac("another key", original), original.mac);
}

TEST(AuditChainTest, RetentionsActionsAreNamedAndCoveredByTheMac) {
  for (Action action : {Action::kErase, Action::kExpire}) {
    EXPECT_EQ(ParseAction(ActionName(action)), action);
  }
  EXPECT_EQ(ActionName(Action::kErase), "erase");
  EXPECT_EQ(ActionName(Action::kExpire), "expire");
  Event erase = Decision(Action::kErase, std::string(kRetentionActor), "c1");
  erase.note = "personal data kept 90 days after the decision (retention.personal_data_days)";
  const std::vector<Entry> entries = Chain({erase});
  const std::string erase_mac = entries[0].mac;
  EXPECT_FALSE(Verify(entries, HeadOf(entries)).has_value());
  // Turning the erasure into an expiry, or into anything else, or giving it
  // to someone else, or changing its note, breaks the entry.
  for (Action other : {Action::kExpire, Action::kApprove, Action::kReject, Action::kUndo}) {
    Entry altered = entries[0];
    altered.event.action = other;
    EXPECT_NE(EntryMac(kKey, altered), erase_mac) << ActionName(other);
  }
  Entry reattributed = entries[0];
  reattributed.event.actor = "retention";
  EXPECT_NE(EntryMac(kKey, reattributed), erase_mac);
  Entry renoted = entries[0];
  renoted.event.note = "personal data kept 9 days after the decision";
  EXPECT_NE(EntryMac(kKey, renoted), erase_mac);
  std::vector<Entry> altered = entries;
  altered[0].event.action = Action::kExpire;
  const std::optional<Break> broken = Verify(altered, HeadOf(entries));
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->problem, Problem::kAltered);
}

TEST(ChainVerifierTest, AnAlteredEntryIsNamed) {
  std::vector<Entry> entries = ThreeDecisions();
  entries[1].event.rejection_reason = "other";
  const std::optional<Break> broken = Verify(entries, HeadOf(entries));
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->entry_id, entries[1].entry_id);
  EXPECT_EQ(broken->sequence, 2);
  EXPECT_EQ(broken->problem, Problem::kAltered);
}

TEST(ChainVerifierTest, ARemovedEntryShowsAsAGapAtTheNext) {
  std::vector<Entry> entries = ThreeDecisions();
  const ChainHead head = HeadOf(entries);
  entries.erase(entries.begin() + 1);
  const std::optional<Break> broken = Verify(entries, head);
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->sequence, 3);
  EXPECT_EQ(broken->problem, Problem::kSequenceGap);
}

TEST(ChainVerifierTest, AReplacedEntryBreaksTheLink) {
  std::vector<Entry> entries = ThreeDecisions();
  // A valid-looking entry sealed by a chain that never saw the original.
  AuditChain forger(kKey);
  forger.Reset({1, entries[0].mac});
  Entry forged = forger.Seal(Decision(Action::kApprove, "x", "c2"));
  forged.entry_id = entries[1].entry_id;
  entries[1] = forged;
  // The forger has the key here, so the entry itself verifies; the next one
  // still chains to the original.
  const std::optional<Break> broken = Verify(entries, HeadOf(entries));
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->sequence, 3);
  EXPECT_EQ(broken->problem, Problem::kBrokenLink);
}

TEST(ChainVerifierTest, EntriesRemovedFromTheEndShowAtTheHead) {
  std::vector<Entry> entries = ThreeDecisions();
  const ChainHead head = HeadOf(entries);
  entries.pop_back();
  const std::optional<Break> broken = Verify(entries, head);
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->problem, Problem::kHeadMismatch);
  EXPECT_EQ(broken->entry_id, entries.back().entry_id);
}

TEST(ChainHeadTest, EncodesAndDecodes) {
  const ChainHead head{42, std::string(64, 'a')};
  EXPECT_EQ(DecodeHead(EncodeHead(head)), head);
  EXPECT_EQ(DecodeHead("0 "), ChainHead{});
  EXPECT_FALSE(DecodeHead("x y").has_value());
  EXPECT_FALSE(DecodeHead("-1 ab").has_value());
}

TEST(AuditChainTest, AppendsInOneProcessTakeTurns) {
  AuditChain chain(kKey);
  std::vector<int> order;
  absl::AnyInvocable<void() &&> first_done;
  chain.Enter([&] { order.push_back(1); });
  chain.Enter([&] { order.push_back(2); });
  chain.Enter([&] { order.push_back(3); });
  EXPECT_EQ(order, std::vector<int>{1});
  chain.Leave();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  chain.Leave();
  chain.Leave();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  chain.Enter([&] { order.push_back(4); });
  EXPECT_EQ(order.back(), 4);
  chain.Leave();
}

TEST(TallyDecisionsTest, CountsPerModeratorReasonAndFlagNetOfUndos) {
  std::vector<Entry> entries = Chain({
      Decision(Action::kApprove, "lan", "c1"),
      Decision(Action::kReject, "lan", "c2", true, "spam"),
      Decision(Action::kReject, "mai", "c3", false, "offensive"),
      Decision(Action::kReject, "mai", "c4", true, "spam"),
  });
  Event undo = Decision(Action::kUndo, "mai", "c4", true, "spam");
  undo.undone = Action::kReject;
  Event ban;
  ban.action = Action::kBan;
  ban.actor = "mai";
  const std::vector<Entry> more = Chain({undo, ban, Decision(Action::kApprove, "mai", "c4", true)});
  entries.insert(entries.end(), more.begin(), more.end());

  const DecisionTally tally = TallyDecisions(entries);
  EXPECT_EQ(tally.moderators.at("lan").approved, 1);
  EXPECT_EQ(tally.moderators.at("lan").rejected, 1);
  EXPECT_EQ(tally.moderators.at("mai").approved, 1);
  EXPECT_EQ(tally.moderators.at("mai").rejected, 1);
  EXPECT_EQ(tally.moderators.at("mai").undone, 1);
  EXPECT_EQ(tally.reasons.at("spam"), 1);
  EXPECT_EQ(tally.reasons.at("offensive"), 1);
  EXPECT_EQ(tally.flagged_rejected, 1);
  EXPECT_EQ(tally.flagged_approved, 1);
  EXPECT_EQ(tally.unflagged_rejected, 1);
  EXPECT_EQ(tally.unflagged_approved, 1);
}

TEST(TallyDecisionsTest, AnUndoOfADecisionBeforeThePeriodOnlyCountsAsUndone) {
  Event undo = Decision(Action::kUndo, "lan", "c0", false, "spam");
  undo.undone = Action::kReject;
  const DecisionTally tally = TallyDecisions(Chain({undo}));
  EXPECT_EQ(tally.moderators.at("lan").undone, 1);
  EXPECT_EQ(tally.moderators.at("lan").rejected, 0);
  EXPECT_TRUE(tally.reasons.empty());
}

TEST(TallyDecisionsTest, CountsRetentionApartFromTheDecisions) {
  Event undo = Decision(Action::kUndo, "lan", "c2", true, "spam");
  undo.undone = Action::kReject;
  const std::string retention(kRetentionActor);
  const DecisionTally tally = TallyDecisions(Chain({
      Decision(Action::kApprove, "lan", "c1"),
      Decision(Action::kReject, "lan", "c2", true, "spam"),
      Decision(Action::kErase, retention, "c1"),
      Decision(Action::kErase, retention, "c7"),
      Decision(Action::kExpire, retention, "c8"),
      // An erasure or expiry never takes a decision out of the counts: only
      // the undo does.
      Decision(Action::kErase, retention, "c2"),
      undo,
  }));
  EXPECT_EQ(tally.retention_erased, 3);
  EXPECT_EQ(tally.retention_expired, 1);
  EXPECT_EQ(tally.moderators.count(retention), 0u);
  ASSERT_EQ(tally.moderators.size(), 1u);
  EXPECT_EQ(tally.moderators.at("lan").approved, 1);
  EXPECT_EQ(tally.moderators.at("lan").rejected, 0);
  EXPECT_EQ(tally.moderators.at("lan").undone, 1);
  EXPECT_TRUE(tally.reasons.empty());
  EXPECT_EQ(tally.unflagged_approved, 1);
  EXPECT_EQ(tally.flagged_rejected, 0);
}

TEST(TallyDecisionsTest, NoRetentionEntriesCountNothingForIt) {
  const DecisionTally tally = TallyDecisions(ThreeDecisions());
  EXPECT_EQ(tally.retention_erased, 0);
  EXPECT_EQ(tally.retention_expired, 0);
}

}  // namespace
}  // namespace moderation::audit
