using 'main.bicep'

param acrConfig = {
  name: 'contosoconfigacr'
  sku: 'Standard'
}
