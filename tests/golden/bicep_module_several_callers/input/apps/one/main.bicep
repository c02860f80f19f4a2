module registry '../../modules/registry.bicep' = {
  name: 'registry'
  params: {
    sku: 'Basic'
  }
}
