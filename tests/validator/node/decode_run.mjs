// Reads a run that psyche-solana-client created, with unmodified @solana/web3.js, @solana/spl-token and
// @coral-xyz/anchor (0.30+) through the program's Anchor 0.30 IDL, and prints what it decoded as JSON.
// Usage: node decode_run.mjs <rpc url> <coordinator idl.json> <coordinator instance address> <create-run signature>
import { readFileSync } from "node:fs";
import * as web3 from "@solana/web3.js";
import * as spl from "@solana/spl-token";
import anchor from "@coral-xyz/anchor";

const [url, idlPath, instanceAddress, signature] = process.argv.slice(2);
const connection = new web3.Connection(url, "confirmed");
const provider = new anchor.AnchorProvider(connection, new anchor.Wallet(web3.Keypair.generate()), {
  commitment: "confirmed",
});
const program = new anchor.Program(JSON.parse(readFileSync(idlPath, "utf8")), provider);

const instance = await program.account.coordinatorInstance.fetch(new web3.PublicKey(instanceAddress));
const coordinatorAccount = await program.account.coordinatorAccount.fetch(instance.coordinatorAccount);
const options = { commitment: "confirmed", maxSupportedTransactionVersion: 0 };
const tx = await connection.getTransaction(signature, options);
const keys = tx.transaction.message.staticAccountKeys;
const decoded = tx.transaction.message.compiledInstructions
  .filter((ix) => keys[ix.programIdIndex].equals(program.programId))
  .map((ix) => program.coder.instruction.decode(Buffer.from(ix.data)));
const parsed = await connection.getParsedTransaction(signature, options);
const block = await connection.getBlock(tx.slot, options);
const parsedBlock = await connection.getParsedBlock(tx.slot, options);
const nativeMint = await spl.getMint(connection, spl.NATIVE_MINT, "confirmed");

const show = (value) =>
  JSON.stringify(
    value,
    (_, v) =>
      v instanceof web3.PublicKey || anchor.BN.isBN(v) || typeof v === "bigint" ? v.toString() : v,
  );
console.log(
  show({
    instance: {
      runId: instance.runId,
      mainAuthority: instance.mainAuthority,
      joinAuthority: instance.joinAuthority,
      coordinatorAccount: instance.coordinatorAccount,
    },
    coordinatorAccount: { version: coordinatorAccount.version.toString(), stateBytes: coordinatorAccount.state.length },
    decodedInstructions: decoded.map((ix) => ix && ix.name),
    parsedProgramIds: parsed.transaction.message.instructions.map((ix) => ix.programId),
    innerInstructionPrograms: (parsed.meta.innerInstructions ?? []).flatMap((group) =>
      group.instructions.map((ix) => ix.program ?? ix.programId.toBase58()),
    ),
    blockSignatures: block.transactions.map((entry) => entry.transaction.signatures[0]),
    parsedBlockhash: parsedBlock.blockhash,
    blockhash: block.blockhash,
    nativeMint: { decimals: nativeMint.decimals, supply: nativeMint.supply, isInitialized: nativeMint.isInitialized },
    epochSchedule: (await connection.getEpochSchedule()).slotsPerEpoch,
    slotLeader: await connection.getSlotLeader(),
    clusterNodes: (await connection.getClusterNodes()).map((node) => node.pubkey),
  }),
);
