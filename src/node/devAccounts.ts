/** Dev accounts: derived from a mnemonic at m/44'/60'/0'/0/i, the same ones anvil and Hardhat give. */
import { HDNodeWallet, Mnemonic } from 'ethers';

export interface DevAccount {
  address: string; // checksummed
  privateKey: string; // 0x hex
}

export function deriveDevAccounts(mnemonic: string, count: number): DevAccount[] {
  const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(mnemonic), "m/44'/60'/0'/0");
  const accounts: DevAccount[] = [];
  for (let i = 0; i < count; i++) {
    const w = root.deriveChild(i);
    accounts.push({ address: w.address, privateKey: w.privateKey });
  }
  return accounts;
}
