module registry '../../modules/registry.bicep' = {
  name: 'registry'
  params: {
    sku: 'Premium' // already right: left alone
  }
}
